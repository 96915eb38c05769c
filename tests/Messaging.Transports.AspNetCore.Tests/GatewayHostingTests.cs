using System.Net;
using System.Net.WebSockets;
using Messaging.Protocol;
using Messaging.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Messaging.Transports.AspNetCore.Tests;

/// <summary>Registration, option validation at start, and server-side protection of the send path.</summary>
public sealed class GatewayHostingTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(nameof(MessagingGatewayOptions.MaxFrameBytes))]
    [InlineData(nameof(MessagingGatewayOptions.SendQueueCapacity))]
    [InlineData(nameof(MessagingGatewayOptions.IdleTimeout))]
    [InlineData(nameof(MessagingGatewayOptions.RateLimitBurst))]
    [InlineData(nameof(MessagingGatewayOptions.AllowedOrigins))]
    public async Task Invalid_gateway_options_fail_at_start(string option)
    {
        Action<MessagingGatewayOptions> breakIt = option switch
        {
            nameof(MessagingGatewayOptions.MaxFrameBytes) => o => o.MaxFrameBytes = 10,
            nameof(MessagingGatewayOptions.SendQueueCapacity) => o => o.SendQueueCapacity = 0,
            nameof(MessagingGatewayOptions.IdleTimeout) => o => o.IdleTimeout = TimeSpan.Zero,
            nameof(MessagingGatewayOptions.RateLimitBurst) => o => o.RateLimitBurst = -1,
            _ => o => o.AllowedOrigins.Add("https://chat.example.com/path"),
        };

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => ChatServer.StartAsync(o => o.ConfigureGateway = breakIt, Cancellation));

        Assert.Contains(option, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MapMessaging_without_the_gateway_services_explains_what_is_missing()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddMessaging();
        using var app = builder.Build();

        var failure = Assert.Throws<InvalidOperationException>(() => app.MapMessaging());

        Assert.Contains("AddMessagingGateway", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rest_body_over_the_size_limit_gets_413_too_large()
    {
        await using var server = await ChatServer.StartAsync(o => o.ConfigureGateway = g => g.MaxFrameBytes = 4096, Cancellation);
        using var client = server.CreateHttpClient(Users.New("alice"));

        var (status, error) = await Rest.SendRawAsync(client, HttpMethod.Post, "conversations", $$"""{"type":"group","name":"{{new string('n', 10_000)}}"}""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal(ErrorCodes.TooLarge, error!.Error.Code);
    }

    [Fact]
    public async Task Connection_that_cannot_keep_up_is_closed_with_1013()
    {
        await using var server = await ChatServer.StartAsync(o => o.ConfigureGateway = g => g.SendQueueCapacity = 1, Cancellation);
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        var conversation = await Rest.CreateDirectAsync(server, alice, bob);
        await using (var b = await Wire.ConnectReadyAsync(server, bob))
        {
            for (var i = 0; i < 50; i++)
            {
                await Wire.SendAsync(b, conversation.ConversationId, $"backlog {i}");
            }
        }

        // Catch-up writes the 50 waiting messages at once into a queue of one.
        await using var a = await server.ConnectAsync(alice, cancellationToken: Cancellation);

        Assert.Equal((WebSocketCloseStatus)CloseCodes.TryAgainLater, await a.WaitForCloseAsync());
    }
}
