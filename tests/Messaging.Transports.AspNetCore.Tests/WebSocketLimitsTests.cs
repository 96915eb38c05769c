using System.Net;
using System.Net.WebSockets;
using System.Text;
using Messaging.Protocol;
using Messaging.Testing;

namespace Messaging.Transports.AspNetCore.Tests;

/// <summary>Handshake checks and per-connection limits, each on a server configured for the case.</summary>
public sealed class WebSocketLimitsTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(null)]
    [InlineData("not a valid id!")]
    public async Task Handshake_without_valid_authentication_is_refused_with_401(string? accessToken)
    {
        await using var server = await ChatServer.StartAsync(cancellationToken: Cancellation);

        var status = await HandshakeStatusAsync(server.WebSocketUri(accessToken));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task Handshake_with_an_invalid_device_id_is_refused_with_400()
    {
        await using var server = await ChatServer.StartAsync(cancellationToken: Cancellation);

        var status = await HandshakeStatusAsync(server.WebSocketUri(Users.New("alice"), "bad device"));

        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public async Task Handshake_from_an_origin_not_allowed_is_refused_with_403()
    {
        await using var server = await ChatServer.StartAsync(o => o.ConfigureGateway = g => g.AllowedOrigins.Add("http://good.example"), Cancellation);
        var alice = Users.New("alice");

        var refused = await HandshakeStatusAsync(server.WebSocketUri(alice), o => o.SetRequestHeader("Origin", "http://evil.example"));
        await using var allowed = await ProtocolTestClient.ConnectAsync(server.WebSocketUri(alice), o => o.SetRequestHeader("Origin", "http://good.example"), Cancellation);

        Assert.Equal(HttpStatusCode.Forbidden, refused);
        await allowed.RoundTripAsync();
    }

    [Fact]
    public async Task Frame_over_the_size_limit_closes_with_1009_and_stores_nothing()
    {
        await using var server = await ChatServer.StartAsync(o => o.ConfigureGateway = g => g.MaxFrameBytes = 4096, Cancellation);
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        var conversation = await Rest.CreateDirectAsync(server, alice, bob);
        await using var a = await Wire.ConnectReadyAsync(server, alice);

        await a.SendAsync(new SendMessageFrame(conversation.ConversationId, new string('x', 5000), "huge"));

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await a.WaitForCloseAsync());
        Assert.Empty(await Rest.MessagesAsync(server, alice, conversation.ConversationId));
    }

    [Fact]
    public async Task Binary_frame_closes_with_1003()
    {
        await using var server = await ChatServer.StartAsync(cancellationToken: Cancellation);
        await using var a = await Wire.ConnectReadyAsync(server, Users.New("alice"));

        await a.SendRawAsync(Encoding.UTF8.GetBytes("{\"type\":\"ping\"}"), WebSocketMessageType.Binary);

        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, await a.WaitForCloseAsync());
    }

    [Fact]
    public async Task Connection_silent_for_the_idle_timeout_is_closed_with_1008()
    {
        await using var server = await ChatServer.StartAsync(o => o.ConfigureGateway = g => g.IdleTimeout = TimeSpan.FromMilliseconds(300), Cancellation);
        await using var a = await server.ConnectAsync(Users.New("alice"), cancellationToken: Cancellation);

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await a.WaitForCloseAsync());
        Assert.Equal("idle timeout", a.CloseStatusDescription);
    }

    [Fact]
    public async Task Frames_over_the_rate_limit_get_rate_limited_and_are_not_stored()
    {
        await using var server = await ChatServer.StartAsync(o => o.ConfigureGateway = g => (g.RateLimitBurst, g.RateLimitPerSecond) = (3, 1), Cancellation);
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        var conversation = await Rest.CreateDirectAsync(server, alice, bob);
        await using var a = await Wire.ConnectReadyAsync(server, alice);
        var keys = Enumerable.Range(0, 10).Select(i => $"burst-{i}").ToList();

        foreach (var key in keys)
        {
            await a.SendAsync(new SendMessageFrame(conversation.ConversationId, key, key));
        }

        var answers = new List<ServerFrame>();
        foreach (var key in keys)
        {
            answers.Add(await Wire.AnswerToAsync(a, key));
        }

        var limited = answers.OfType<ErrorFrame>().ToList();
        Assert.NotEmpty(limited);
        Assert.All(limited, e => Assert.Equal(ErrorCodes.RateLimited, e.Code));
        var accepted = answers.OfType<StatusUpdateFrame>().Select(s => s.ClientMsgId!).Order().ToList();
        var stored = (await Rest.MessagesAsync(server, alice, conversation.ConversationId)).Select(m => m.ClientMsgId).Order().ToList();
        Assert.Equal(accepted, stored);
    }

    [Fact]
    public async Task Server_shutdown_closes_connections_with_1001()
    {
        var server = await ChatServer.StartAsync(cancellationToken: Cancellation);
        await using var a = await Wire.ConnectReadyAsync(server, Users.New("alice"));

        await server.DisposeAsync();

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await a.WaitForCloseAsync());
    }

    [Fact]
    public async Task Gateway_under_a_prefix_serves_websocket_and_rest_there()
    {
        await using var server = await ChatServer.StartAsync(o => o.Prefix = "/chat", Cancellation);
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));

        var conversation = await Rest.CreateDirectAsync(server, alice, bob);
        await using var a = await Wire.ConnectReadyAsync(server, alice);
        await Wire.SendAsync(a, conversation.ConversationId, "prefixed");

        Assert.EndsWith("/chat/", server.BaseUri.AbsoluteUri, StringComparison.Ordinal);
        Assert.Single(await Rest.MessagesAsync(server, bob, conversation.ConversationId));
    }

    private static async Task<HttpStatusCode> HandshakeStatusAsync(Uri uri, Action<ClientWebSocketOptions>? configure = null) =>
        (await Wire.RefusedHandshakeAsync(uri, configure)).Status;
}
