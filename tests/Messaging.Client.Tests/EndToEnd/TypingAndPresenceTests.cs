using Messaging.Client.Tests.TestSupport;
using Messaging.Protocol;
using Messaging.Testing;

namespace Messaging.Client.Tests.EndToEnd;

public sealed class TypingAndPresenceTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    [Fact]
    public async Task Typing_reaches_the_peer_once_per_burst_and_stops_after_the_quiet_period()
    {
        await using var chat = await DirectChat.OpenAsync(fixture.Server.BaseUri, configureAlice: o =>
        {
            o.TypingDebounce = TimeSpan.FromSeconds(5);
            o.TypingIdleTimeout = TimeSpan.FromMilliseconds(300);
        });
        var (alice, bob) = (chat.Alice, chat.Bob);

        for (var key = 0; key < 5; key++)
        {
            await alice.Client.NotifyTypingAsync(chat.ConversationId, TestContext.Current.CancellationToken);
        }

        await bob.WaitForAsync<TypingChangedEvent>(e => e.UserId == alice.UserId && e.IsTyping, "typing started");
        await bob.WaitForAsync<TypingChangedEvent>(e => e.UserId == alice.UserId && !e.IsTyping, "typing stopped");

        Assert.Equal([true, false], bob.Events.OfType<TypingChangedEvent>().Select(e => e.IsTyping));
        Assert.Equal(chat.ConversationId, bob.Events.OfType<TypingChangedEvent>().First().ConversationId);
    }

    [Fact]
    public async Task A_message_from_the_typist_ends_the_typing_indication_at_once()
    {
        await using var chat = await DirectChat.OpenAsync(fixture.Server.BaseUri, configureBob: o => o.TypingExpiry = TimeSpan.FromMinutes(5));
        var (alice, bob) = (chat.Alice, chat.Bob);

        await alice.Client.NotifyTypingAsync(chat.ConversationId, TestContext.Current.CancellationToken);
        await bob.WaitForAsync<TypingChangedEvent>(e => e.IsTyping, "typing started");
        await alice.Client.SendAsync(chat.ConversationId, "done typing", cancellationToken: TestContext.Current.CancellationToken);
        await bob.WaitForAsync<TypingChangedEvent>(e => !e.IsTyping, "typing stopped");

        Assert.Equal([true, false], bob.Events.OfType<TypingChangedEvent>().Select(e => e.IsTyping));
    }

    [Fact]
    public async Task A_subscriber_sees_a_peer_come_online_and_go_offline_with_last_seen()
    {
        await using var server = await ChatServer.StartAsync(
            o => o.ConfigureMessaging = m =>
            {
                m.PresenceGracePeriod = TimeSpan.FromMilliseconds(200);
                m.PresenceSweepInterval = TimeSpan.FromMilliseconds(50);
            },
            TestContext.Current.CancellationToken);
        string aliceId = Users.Unique("alice"), bobId = Users.Unique("bob");
        await using var bob = await RecordingClient.ConnectAsync(server, bobId);
        await bob.Client.CreateDirectConversationAsync(aliceId, TestContext.Current.CancellationToken);
        await bob.Client.SubscribePresenceAsync([aliceId], TestContext.Current.CancellationToken);
        await bob.WaitForAsync<PresenceChangedEvent>(e => e.UserId == aliceId && e.Status == PresenceState.Offline, "alice offline at first");

        var alice = await RecordingClient.ConnectAsync(server, aliceId);
        await bob.WaitForAsync<PresenceChangedEvent>(e => e.UserId == aliceId && e.Status == PresenceState.Online, "alice online");
        var online = await bob.Client.GetPresenceAsync(aliceId, TestContext.Current.CancellationToken);
        await alice.DisposeAsync();
        var offline = await bob.WaitForAsync<PresenceChangedEvent>(
            e => e.UserId == aliceId && e.Status == PresenceState.Offline && e.LastSeen is not null, "alice offline with last seen");

        Assert.Equal(PresenceState.Online, online.Status);
        Assert.InRange(offline.LastSeen!.Value, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        var rest = await bob.Client.GetPresenceAsync(aliceId, TestContext.Current.CancellationToken);
        Assert.Equal((PresenceState.Offline, offline.LastSeen), (rest.Status, rest.LastSeen));
    }

    [Fact]
    public async Task Privacy_nobody_hides_presence_from_others()
    {
        await using var chat = await DirectChat.OpenAsync(fixture.Server.BaseUri, connectBob: false);
        var (alice, bob) = (chat.Alice, chat.Bob);

        var visible = await bob.Client.GetPresenceAsync(alice.UserId, TestContext.Current.CancellationToken);
        await alice.Client.SetPrivacyAsync(LastSeenVisibility.Nobody, TestContext.Current.CancellationToken);
        var hidden = await bob.Client.GetPresenceAsync(alice.UserId, TestContext.Current.CancellationToken);

        Assert.Equal(PresenceState.Online, visible.Status);
        Assert.Equal((PresenceState.Offline, (DateTimeOffset?)null), (hidden.Status, hidden.LastSeen));
    }
}
