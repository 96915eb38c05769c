using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using Messaging.Browser.Tests.Hosting;
using Messaging.Browser.Tests.Pages;
using static Microsoft.Playwright.Assertions;

namespace Messaging.Browser.Tests;

/// <summary>The UI's behaviour when its WebSocket drops: pending messages, resend, reconnect and catch-up.</summary>
public sealed partial class ReconnectTests(ChromiumFixture chromium)
{
    [Fact]
    public async Task Unacknowledged_message_is_resent_with_its_client_msg_id_after_reconnect_and_stored_once()
    {
        var browser = await chromium.GetBrowserAsync();
        await using var server = new ChatServerHost();
        var address = server.Start();

        // Alice's first connection loses every status_update and every copy of her own messages (the server stored her
        // message, she never heard back: a catch-up of the new chat may also replay her own message to her own device).
        var connections = new ConcurrentQueue<(IWebSocketRoute Page, IWebSocketRoute Server)>();
        var sentFrames = new ConcurrentQueue<(int Connection, string Frame)>();
        await using var alice = await ChatPage.SignInAsync(browser, address, "alice", page => page.RouteWebSocketAsync(SocketUrl(), route =>
        {
            var upstream = route.ConnectToServer();
            connections.Enqueue((route, upstream));
            var number = connections.Count;
            route.OnMessage(frame =>
            {
                sentFrames.Enqueue((number, TextOf(frame)));
                upstream.Send(TextOf(frame));
            });
            upstream.OnMessage(frame =>
            {
                if (number > 1 || !RevealsOwnMessage(TextOf(frame)))
                {
                    route.Send(TextOf(frame));
                }
            });
        }));
        await using var bob = await ChatPage.SignInAsync(browser, address, "bob");
        await alice.StartDirectChatAsync("bob");
        await alice.SendAsync("warm-up");
        await bob.OpenConversationAsync("alice");

        const string text = "Did this one arrive?";
        await alice.SendAsync(text);
        var bubble = alice.Message(text);
        await Expect(bob.Message(text)).ToBeVisibleAsync();
        Assert.True(connections.Count == 1, "Alice's page reconnected on its own before the test dropped its connection.");
        await Expect(bubble).ToHaveAttributeAsync("data-status", "pending");
        var clientMsgId = await bubble.GetAttributeAsync("data-client-msg-id");

        await DropAsync(Assert.Single(connections));
        await Expect(alice.ConnectionBanner).ToBeHiddenAsync();
        await Expect(bubble).ToHaveAttributeAsync("data-status", "read");

        var resent = sentFrames.Where(f => f.Connection > 1).Select(f => JsonDocument.Parse(f.Frame).RootElement)
            .Where(f => f.GetProperty("type").GetString() == "message").ToList();
        Assert.Contains(resent, f => f.GetProperty("client_msg_id").GetString() == clientMsgId);
        await Expect(bob.Message(text)).ToHaveCountAsync(1);
        await Expect(alice.Message(text)).ToHaveCountAsync(1);
        await Expect(bob.Messages).ToHaveCountAsync(2);
    }

    [Fact]
    public async Task Messages_sent_while_disconnected_arrive_by_catch_up_after_reconnect()
    {
        var browser = await chromium.GetBrowserAsync();
        await using var server = new ChatServerHost();
        var address = server.Start();

        var bobConnections = new ConcurrentQueue<(IWebSocketRoute Page, IWebSocketRoute Server)>();
        await using var alice = await ChatPage.SignInAsync(browser, address, "alice");
        await using var bob = await ChatPage.SignInAsync(browser, address, "bob", page => page.RouteWebSocketAsync(SocketUrl(), route =>
        {
            bobConnections.Enqueue((route, route.ConnectToServer()));
        }));
        await alice.StartDirectChatAsync("bob");
        await alice.SendAsync("first");
        await bob.OpenConversationAsync("alice");
        await Expect(bob.Message("first")).ToBeVisibleAsync();

        // Take Bob offline at the browser side, then let Alice write while he is away.
        await bob.Page.Context.SetOfflineAsync(true);
        await DropAsync(Assert.Single(bobConnections));
        await Expect(bob.ConnectionBanner).ToBeVisibleAsync();
        await Expect(bob.ConnectionBanner).ToContainTextAsync("offline");
        await alice.SendAsync("second");
        await alice.SendAsync("third");

        await bob.Page.Context.SetOfflineAsync(false);
        await Expect(bob.ConnectionBanner).ToBeHiddenAsync();
        await Expect(bob.Messages).ToHaveCountAsync(3);
        await Expect(bob.Messages.GetByTestId("message-text")).ToHaveTextAsync(["first", "second", "third"]);
        await Expect(alice.Message("third")).ToHaveAttributeAsync("data-status", "read");
    }

    private static Regex SocketUrl() => SocketPattern();

    private static bool RevealsOwnMessage(string frame)
    {
        using var json = JsonDocument.Parse(frame);
        var type = json.RootElement.GetProperty("type").GetString();
        return type == "status_update"
            || (type == "message" && json.RootElement.GetProperty("sender_id").GetString() == "alice");
    }

    private static string TextOf(IWebSocketFrame frame) =>
        frame.Text ?? throw new InvalidOperationException("Protocol v1 uses text frames only.");

    // Both ends see the connection die, as when the network goes away.
    private static async Task DropAsync((IWebSocketRoute Page, IWebSocketRoute Server) connection)
    {
        await connection.Page.CloseAsync(new() { Code = 4000, Reason = "network lost" });
        await connection.Server.CloseAsync(new() { Code = 1001, Reason = "network lost" });
    }

    [GeneratedRegex(@"/ws\?")]
    private static partial Regex SocketPattern();
}
