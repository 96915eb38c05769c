using Messaging.Client.Tests.TestSupport;
using Messaging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Messaging.Client.Tests.EndToEnd;

/// <summary>Connection drops, made deterministic by a loopback proxy that stands in for the network.</summary>
public sealed class ReconnectTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    private readonly ChatServer _server = fixture.Server;

    [Fact]
    public async Task A_client_dropped_mid_stream_reconnects_and_loses_nothing_and_gets_nothing_twice()
    {
        await using var proxy = new LoopbackProxy(_server.BaseUri);
        await using var chat = await DirectChat.OpenAsync(_server.BaseUri, bobServer: proxy.BaseUri);
        var (alice, bob) = (chat.Alice, chat.Bob);

        var sending = Task.Run(async () =>
        {
            var results = new List<SentMessage>();
            for (var i = 1; i <= 60; i++)
            {
                results.Add(await alice.Client.SendAsync(chat.ConversationId, $"#{i}", cancellationToken: TestContext.Current.CancellationToken));
            }

            return results;
        }, TestContext.Current.CancellationToken);
        await bob.WaitForMessagesAsync(chat.ConversationId, 15);
        proxy.CutAll();
        await bob.WaitForAsync<ReconnectedEvent>(_ => true, "reconnected");
        var sent = await sending.WaitAsync(RecordingClient.Timeout, TestContext.Current.CancellationToken);
        var received = await bob.WaitForMessagesAsync(chat.ConversationId, 60);

        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), received.Select(m => m.Seq));
        Assert.Equal(sent.Select(s => s.MessageId), received.Select(m => m.MessageId));
        Assert.Equal(60, received.Select(m => m.MessageId).Distinct().Count());
        Assert.True(proxy.AcceptedCount >= 2, "bob's connection was re-made through the proxy");
    }

    [Fact]
    public async Task A_send_whose_ack_was_lost_is_resent_with_the_same_client_msg_id_and_stored_once()
    {
        await using var proxy = new LoopbackProxy(_server.BaseUri);
        await using var chat = await DirectChat.OpenAsync(proxy.BaseUri, bobServer: _server.BaseUri);
        var (alice, bob) = (chat.Alice, chat.Bob);

        // The server stores the message, but its "sent" status never reaches alice.
        proxy.BlackHoleReplies();
        var send = alice.Client.SendAsync(chat.ConversationId, "was this stored?", cancellationToken: TestContext.Current.CancellationToken);
        var stored = (await bob.WaitForMessagesAsync(chat.ConversationId, 1))[0];
        Assert.False(send.IsCompleted);

        proxy.CutAll();
        var sent = await send.WaitAsync(RecordingClient.Timeout, TestContext.Current.CancellationToken);
        var next = await alice.Client.SendAsync(chat.ConversationId, "next", cancellationToken: TestContext.Current.CancellationToken);
        var atBob = await bob.WaitForMessagesAsync(chat.ConversationId, 2);

        Assert.Equal((stored.MessageId, stored.Seq, stored.ClientMsgId), (sent.MessageId, sent.Seq, sent.ClientMsgId));
        Assert.Equal(2, next.Seq);
        Assert.Equal(["was this stored?", "next"], atBob.Select(m => m.Content));
        Assert.Equal([1L, 2L], atBob.Select(m => m.Seq));
    }

    [Fact]
    public async Task Messages_sent_while_the_server_is_unreachable_wait_in_the_outbox_and_go_out_in_order()
    {
        await using var proxy = new LoopbackProxy(_server.BaseUri);
        await using var chat = await DirectChat.OpenAsync(proxy.BaseUri, bobServer: _server.BaseUri);
        var (alice, bob) = (chat.Alice, chat.Bob);

        proxy.RefuseConnections = true;
        proxy.CutAll();
        await alice.WaitForAsync<ConnectionStateChangedEvent>(e => e.State == ConnectionState.Reconnecting, "reconnecting");
        var sends = Enumerable.Range(1, 3)
            .Select(i => alice.Client.SendAsync(chat.ConversationId, $"offline #{i}", cancellationToken: TestContext.Current.CancellationToken))
            .ToArray();
        Assert.Equal(3, alice.Client.PendingMessageCount);
        Assert.All(sends, s => Assert.False(s.IsCompleted));

        proxy.RefuseConnections = false;
        var sent = await Task.WhenAll(sends).WaitAsync(RecordingClient.Timeout, TestContext.Current.CancellationToken);
        var atBob = await bob.WaitForMessagesAsync(chat.ConversationId, 3);

        Assert.Equal([1L, 2L, 3L], sent.Select(s => s.Seq));
        Assert.Equal(["offline #1", "offline #2", "offline #3"], atBob.Select(m => m.Content));
        Assert.Equal(0, alice.Client.PendingMessageCount);
    }

    [Fact]
    public async Task A_connection_that_goes_silent_is_dropped_after_the_server_timeout_and_replaced()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var proxy = new LoopbackProxy(_server.BaseUri);
        await using var chat = await DirectChat.OpenAsync(_server.BaseUri, bobServer: proxy.BaseUri, configureBob: o =>
        {
            o.TimeProvider = time;
            o.PingInterval = TimeSpan.FromSeconds(15);
            o.ServerTimeout = TimeSpan.FromSeconds(45);
            o.Reconnect = new ReconnectOptions { InitialDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero };
        });
        var bob = chat.Bob;

        // Once bob has a message, every frame sent to him before it was handled: nothing is in flight.
        await chat.Alice.Client.SendAsync(chat.ConversationId, "hello", cancellationToken: TestContext.Current.CancellationToken);
        await bob.WaitForMessagesAsync(chat.ConversationId, 1);

        // The network keeps the socket open but the server's pongs never arrive.
        proxy.BlackHoleReplies();
        time.Advance(TimeSpan.FromSeconds(44));
        Assert.DoesNotContain(bob.Events, e => e is ConnectionStateChangedEvent { State: ConnectionState.Reconnecting });

        time.Advance(TimeSpan.FromSeconds(2));
        await bob.WaitForAsync<ReconnectedEvent>(_ => true, "reconnected after the timeout");

        Assert.Equal(2, proxy.AcceptedCount);
        Assert.Equal(ConnectionState.Connected, bob.Client.State);
    }

    [Fact]
    public async Task A_server_shutting_down_makes_the_client_reconnect_to_its_replacement()
    {
        var first = await ChatServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        await using var proxy = new LoopbackProxy(first.BaseUri);
        await using var alice = await RecordingClient.ConnectAsync(proxy.BaseUri, Users.Unique("alice"));

        await first.DisposeAsync();
        var dropped = await alice.WaitForAsync<ConnectionStateChangedEvent>(e => e.State == ConnectionState.Reconnecting, "reconnecting");
        await using var second = await ChatServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        proxy.Retarget(second.BaseUri);
        await alice.WaitForAsync<ReconnectedEvent>(_ => true, "reconnected to the replacement");
        var chat = await alice.Client.CreateDirectConversationAsync(Users.Unique("bob"), TestContext.Current.CancellationToken);
        var sent = await alice.Client.SendAsync(chat.ConversationId, "still here", cancellationToken: TestContext.Current.CancellationToken);

        Assert.NotNull(dropped.Error);
        Assert.Equal(1, sent.Seq);
    }

    [Fact]
    public async Task Sends_refused_by_the_rate_limit_are_retried_until_stored()
    {
        await using var server = await ChatServer.StartAsync(
            o => o.ConfigureGateway = g =>
            {
                g.RateLimitBurst = 4;
                g.RateLimitPerSecond = 20;
            },
            TestContext.Current.CancellationToken);
        await using var chat = await DirectChat.OpenAsync(server.BaseUri);

        var sends = Enumerable.Range(1, 12)
            .Select(i => chat.Alice.Client.SendAsync(chat.ConversationId, $"burst #{i}", cancellationToken: TestContext.Current.CancellationToken))
            .ToArray();
        var sent = await Task.WhenAll(sends).WaitAsync(RecordingClient.Timeout, TestContext.Current.CancellationToken);
        var atBob = await chat.Bob.WaitForMessagesAsync(chat.ConversationId, 12);

        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), sent.Select(s => s.Seq).Order());
        Assert.Equal(Enumerable.Range(1, 12).Select(i => $"burst #{i}").Order(), atBob.Select(m => m.Content).Order());
        Assert.Equal(12, atBob.Select(m => m.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task Presence_subscriptions_are_renewed_after_a_reconnect()
    {
        string aliceId = Users.Unique("alice"), bobId = Users.Unique("bob");
        await using var proxy = new LoopbackProxy(_server.BaseUri);
        await using var bob = await RecordingClient.ConnectAsync(proxy.BaseUri, bobId);
        await bob.Client.CreateDirectConversationAsync(aliceId, TestContext.Current.CancellationToken);
        await bob.Client.SubscribePresenceAsync([aliceId], TestContext.Current.CancellationToken);
        await bob.WaitForAsync<PresenceChangedEvent>(e => e.UserId == aliceId, "first presence");

        proxy.CutAll();
        await bob.WaitForAsync<ReconnectedEvent>(_ => true, "reconnected");
        await using var alice = await RecordingClient.ConnectAsync(_server, aliceId);

        await bob.WaitForAsync<PresenceChangedEvent>(e => e.UserId == aliceId && e.Status == Messaging.Protocol.PresenceState.Online, "alice online after bob reconnected");
    }

    [Fact]
    public async Task A_restarted_client_resumes_from_its_cursors_filling_the_gap_without_repeats()
    {
        string aliceId = Users.Unique("alice"), bobId = Users.Unique("bob");
        await using var alice = await RecordingClient.ConnectAsync(_server, aliceId);
        var chat = await alice.Client.CreateDirectConversationAsync(bobId, TestContext.Current.CancellationToken);
        var first = await RecordingClient.ConnectAsync(_server, bobId, "phone");
        SentMessage last = null!;
        for (var i = 1; i <= 5; i++)
        {
            last = await alice.Client.SendAsync(chat.ConversationId, $"#{i}", cancellationToken: TestContext.Current.CancellationToken);
        }

        // Once alice sees "delivered" for #5, the server's delivered mark of bob's phone is 5.
        await alice.WaitForAsync<MessageStatusChangedEvent>(e => e.MessageId == last.MessageId && e.Status == Messaging.Protocol.DeliveryStatus.Delivered, "delivered #5");
        await first.DisposeAsync();
        await alice.Client.SendAsync(chat.ConversationId, "#6", cancellationToken: TestContext.Current.CancellationToken);
        await alice.Client.SendAsync(chat.ConversationId, "#7", cancellationToken: TestContext.Current.CancellationToken);

        // The application only processed up to #2 before it stopped: the client must bring 3..7, each once.
        await using var restarted = await RecordingClient.ConnectAsync(_server, bobId, "phone", o =>
            o.InitialCursors = new Dictionary<string, long> { [chat.ConversationId] = 2 });
        var received = await restarted.WaitForMessagesAsync(chat.ConversationId, 5);
        await alice.Client.SendAsync(chat.ConversationId, "#8", cancellationToken: TestContext.Current.CancellationToken);
        received = await restarted.WaitForMessagesAsync(chat.ConversationId, 6);

        Assert.Equal([3L, 4L, 5L, 6L, 7L, 8L], received.Select(m => m.Seq));
        Assert.Equal(["#3", "#4", "#5", "#6", "#7", "#8"], received.Select(m => m.Content));
        Assert.Equal(8, restarted.Client.GetCursors()[chat.ConversationId]);
    }
}
