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
    [InlineData(nameof(MessagingGatewayOptions.UserRateLimitPerSecond))]
    [InlineData(nameof(MessagingGatewayOptions.MaxConnectionsPerUser))]
    [InlineData(nameof(MessagingGatewayOptions.RestRateLimitBurst))]
    [InlineData(nameof(MessagingGatewayOptions.AllowedOrigins))]
    public async Task Invalid_gateway_options_fail_at_start(string option)
    {
        Action<MessagingGatewayOptions> breakIt = option switch
        {
            nameof(MessagingGatewayOptions.MaxFrameBytes) => o => o.MaxFrameBytes = 10,
            nameof(MessagingGatewayOptions.SendQueueCapacity) => o => o.SendQueueCapacity = 0,
            nameof(MessagingGatewayOptions.IdleTimeout) => o => o.IdleTimeout = TimeSpan.Zero,
            nameof(MessagingGatewayOptions.RateLimitBurst) => o => o.RateLimitBurst = -1,
            nameof(MessagingGatewayOptions.UserRateLimitPerSecond) => o => o.UserRateLimitPerSecond = 0,
            nameof(MessagingGatewayOptions.MaxConnectionsPerUser) => o => o.MaxConnectionsPerUser = 0,
            nameof(MessagingGatewayOptions.RestRateLimitBurst) => o => o.RestRateLimitBurst = 0,
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
    public async Task Catch_up_larger_than_the_send_queue_is_paced_instead_of_closing_the_connection()
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

        // Catch-up waits for room in the queue of one (live events would still close a consumer that falls behind).
        await using var a = await server.ConnectAsync(alice, cancellationToken: Cancellation);
        var complete = await a.WaitForAsync<SyncCompleteFrame>();

        Assert.Equal(50, complete.Cursors[conversation.ConversationId]);
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), a.Frames.OfType<MessageFrame>().Select(f => f.Message.Seq));
        Assert.All(a.Frames.OfType<MessageFrame>(), f => Assert.Equal(Protocol.MessageKind.Text, f.Message.Kind));
        Assert.Null(a.CloseStatus);
    }
}
