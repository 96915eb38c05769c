using System.Net;
using Messaging.Testing;

namespace Messaging.Transports.AspNetCore.Tests;

/// <summary>
/// Which pages may open the WebSocket: a browser sends the user's cookies with any site's handshake, so by default
/// only the gateway's own origin may; clients that send no <c>Origin</c> are not browsers and may.
/// </summary>
public sealed class OriginTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task By_default_a_cross_origin_handshake_is_refused_with_403()
    {
        await using var server = await ChatServer.StartAsync(cancellationToken: Cancellation);

        var status = await RefusedStatusAsync(server.WebSocketUri(Users.New("alice")), "http://evil.example");

        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    [Fact]
    public async Task By_default_a_page_of_the_gateways_own_origin_may_connect()
    {
        await using var server = await ChatServer.StartAsync(cancellationToken: Cancellation);
        var ownOrigin = server.BaseUri.GetLeftPart(UriPartial.Authority);

        await using var client = await ProtocolTestClient.ConnectAsync(server.WebSocketUri(Users.New("alice")), o => o.SetRequestHeader("Origin", ownOrigin), Cancellation);

        await client.RoundTripAsync();
    }

    [Fact]
    public async Task Same_host_on_another_port_is_another_origin()
    {
        await using var server = await ChatServer.StartAsync(cancellationToken: Cancellation);
        var otherPort = new UriBuilder(server.BaseUri) { Port = server.BaseUri.Port == 1 ? 2 : 1 }.Uri.GetLeftPart(UriPartial.Authority);

        var status = await RefusedStatusAsync(server.WebSocketUri(Users.New("alice")), otherPort);

        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    [Fact]
    public async Task A_handshake_without_origin_is_allowed()
    {
        await using var server = await ChatServer.StartAsync(cancellationToken: Cancellation);

        await using var client = await server.ConnectAsync(Users.New("alice"), cancellationToken: Cancellation);

        await client.RoundTripAsync();
    }

    [Fact]
    public async Task A_configured_list_replaces_the_same_origin_default()
    {
        await using var server = await ChatServer.StartAsync(o => o.ConfigureGateway = g => g.AllowedOrigins.Add("https://chat.example.com"), Cancellation);
        var alice = Users.New("alice");

        await using var listed = await ProtocolTestClient.ConnectAsync(server.WebSocketUri(alice), o => o.SetRequestHeader("Origin", "https://chat.example.com"), Cancellation);
        var own = await RefusedStatusAsync(server.WebSocketUri(alice), server.BaseUri.GetLeftPart(UriPartial.Authority));

        await listed.RoundTripAsync();
        Assert.Equal(HttpStatusCode.Forbidden, own);
    }

    [Fact]
    public async Task The_wildcard_entry_allows_every_origin()
    {
        await using var server = await ChatServer.StartAsync(o => o.ConfigureGateway = g => g.AllowedOrigins.Add("*"), Cancellation);

        await using var client = await ProtocolTestClient.ConnectAsync(server.WebSocketUri(Users.New("alice")), o => o.SetRequestHeader("Origin", "http://elsewhere.example"), Cancellation);

        await client.RoundTripAsync();
    }

    private static async Task<HttpStatusCode> RefusedStatusAsync(Uri uri, string origin) =>
        (await Wire.RefusedHandshakeAsync(uri, o => o.SetRequestHeader("Origin", origin))).Status;
}
