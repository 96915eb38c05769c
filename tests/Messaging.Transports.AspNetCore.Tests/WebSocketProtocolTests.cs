using Messaging.Protocol;
using Messaging.Testing;

namespace Messaging.Transports.AspNetCore.Tests;

/// <summary>The protocol's happy paths over real loopback WebSockets.</summary>
public sealed class WebSocketProtocolTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    private ChatServer Server => fixture.Server;

    [Fact]
    public async Task Message_is_sent_delivered_and_read_between_two_users()
    {
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        var conversation = await Rest.CreateDirectAsync(Server, alice, bob);
        await using var a = await Wire.ConnectReadyAsync(Server, alice);
        await using var b = await Wire.ConnectReadyAsync(Server, bob);

        var sent = await Wire.SendAsync(a, conversation.ConversationId, "Hello!", "uuid-1");
        var received = await b.WaitForAsync<MessageFrame>(m => m.Message.ClientMsgId == "uuid-1");

        Assert.Equal(sent.MessageId, received.Message.MessageId);
        Assert.Equal(1, sent.Seq);
        Assert.Equal(1, received.Message.Seq);
        Assert.Equal(alice, received.Message.SenderId);
        Assert.Equal("Hello!", received.Message.Content);
        Assert.Equal(TimeSpan.Zero, received.Message.Timestamp.Offset);

        await b.SendAsync(new AckMessagesFrame([received.Message.MessageId], DeliveryStatus.Delivered));
        await a.WaitForAsync<StatusUpdateFrame>(s => s.MessageId == sent.MessageId && s.Status == DeliveryStatus.Delivered);

        await b.SendAsync(new AckUpToFrame(conversation.ConversationId, received.Message.Seq, DeliveryStatus.Read));
        var read = await a.WaitForAsync<StatusUpdateFrame>(s => s.MessageId == sent.MessageId && s.Status == DeliveryStatus.Read);
        Assert.Equal(conversation.ConversationId, read.ConversationId);
        Assert.Empty(a.UnreadableFrames);
        Assert.Empty(b.UnreadableFrames);
    }

    [Fact]
    public async Task Repeated_client_msg_id_returns_the_original_message_and_stores_one()
    {
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        var conversation = await Rest.CreateDirectAsync(Server, alice, bob);
        await using var a = await Wire.ConnectReadyAsync(Server, alice);

        var first = await Wire.SendAsync(a, conversation.ConversationId, "once", "same-key");
        var from = a.FrameCount;
        await a.SendAsync(new SendMessageFrame(conversation.ConversationId, "once", "same-key"));
        var second = await a.WaitForAsync<StatusUpdateFrame>(s => s.ClientMsgId == "same-key", fromIndex: from);

        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal(first.Seq, second.Seq);
        Assert.Single(await Rest.MessagesAsync(Server, alice, conversation.ConversationId));
    }

    [Fact]
    public async Task Typing_reaches_the_other_member()
    {
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        var conversation = await Rest.CreateDirectAsync(Server, alice, bob);
        await using var a = await Wire.ConnectReadyAsync(Server, alice);
        await using var b = await Wire.ConnectReadyAsync(Server, bob);

        await b.SendAsync(new TypingFrame(conversation.ConversationId, true));

        var typing = await a.WaitForAsync<UserTypingFrame>();
        Assert.Equal(new UserTypingFrame(conversation.ConversationId, bob, true), typing);
    }

    [Fact]
    public async Task Presence_subscription_pushes_the_current_state()
    {
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        await Rest.CreateDirectAsync(Server, alice, bob);
        await using var a = await Wire.ConnectReadyAsync(Server, alice);
        await using var b = await Wire.ConnectReadyAsync(Server, bob);

        await a.SendAsync(new PresenceSubscribeFrame([bob]));

        var presence = await a.WaitForAsync<PresenceFrame>(p => p.UserId == bob);
        Assert.Equal(PresenceState.Online, presence.Status);
        Assert.Null(presence.LastSeen);
    }

    [Fact]
    public async Task Presence_subscriber_sees_the_peer_go_offline_with_last_seen()
    {
        await using var server = await ChatServer.StartAsync(o => o.ConfigureMessaging = m => m.PresenceGracePeriod = TimeSpan.FromMilliseconds(100), TestContext.Current.CancellationToken);
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        await Rest.CreateDirectAsync(server, alice, bob);
        await using var a = await Wire.ConnectReadyAsync(server, alice);
        var b = await Wire.ConnectReadyAsync(server, bob);
        await a.SendAsync(new PresenceSubscribeFrame([bob]));
        await a.WaitForAsync<PresenceFrame>(p => p.UserId == bob && p.Status == PresenceState.Online);

        // The subscription's first answer may be "offline, last seen unknown" when it was read before bob's lease was
        // written; only what follows the disconnect counts.
        var beforeDisconnect = a.FrameCount;
        await b.DisposeAsync();

        var offline = await a.WaitForAsync<PresenceFrame>(p => p.UserId == bob && p.Status == PresenceState.Offline, fromIndex: beforeDisconnect);
        Assert.NotNull(offline.LastSeen);
    }

    [Fact]
    public async Task Sync_with_cursors_replays_the_missing_messages_then_completes()
    {
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        var conversation = await Rest.CreateDirectAsync(Server, alice, bob);
        await using var a = await Wire.ConnectReadyAsync(Server, alice);
        await Wire.SendAsync(a, conversation.ConversationId, "one");
        await Wire.SendAsync(a, conversation.ConversationId, "two");
        await using var b = await Wire.ConnectReadyAsync(Server, bob);

        var from = b.FrameCount;
        await b.SendAsync(new SyncFrame(new Dictionary<string, long> { [conversation.ConversationId] = 1 }));

        var complete = await b.WaitForAsync<SyncCompleteFrame>(fromIndex: from);
        Assert.Equal(2, complete.Cursors[conversation.ConversationId]);
        var replayed = b.Frames.Skip(from).OfType<MessageFrame>().Select(m => m.Message.Content).ToList();
        Assert.Equal(["two"], replayed);
    }

    [Fact]
    public async Task Offline_recipient_catches_up_on_connect()
    {
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        var conversation = await Rest.CreateDirectAsync(Server, alice, bob);
        await using var a = await Wire.ConnectReadyAsync(Server, alice);
        await Wire.SendAsync(a, conversation.ConversationId, "while you were away");

        await using var b = await Server.ConnectAsync(bob, cancellationToken: TestContext.Current.CancellationToken);

        var message = await b.WaitForAsync<MessageFrame>();
        Assert.Equal("while you were away", message.Message.Content);
        var complete = await b.WaitForAsync<SyncCompleteFrame>();
        Assert.Equal(1, complete.Cursors[conversation.ConversationId]);
    }

    [Fact]
    public async Task Ping_is_answered_with_pong_and_the_user_stays_online()
    {
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        await using var a = await Wire.ConnectReadyAsync(Server, alice);

        await a.RoundTripAsync();

        var presence = await Server.Engine.GetPresenceAsync(bob, alice, TestContext.Current.CancellationToken);
        Assert.Equal(PresenceStatus.Online, presence.Status);
    }

    [Fact]
    public async Task Message_reaches_the_senders_other_device()
    {
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        var conversation = await Rest.CreateDirectAsync(Server, alice, bob);
        await using var phone = await Wire.ConnectReadyAsync(Server, alice, "phone");
        await using var laptop = await Wire.ConnectReadyAsync(Server, alice, "laptop");

        var sent = await Wire.SendAsync(phone, conversation.ConversationId, "from my phone");

        var copy = await laptop.WaitForAsync<MessageFrame>();
        Assert.Equal(sent.MessageId, copy.Message.MessageId);
    }
}
