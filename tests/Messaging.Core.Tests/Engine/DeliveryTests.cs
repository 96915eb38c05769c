using Messaging.Conformance;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Messaging.Tests.Engine;

public sealed class DeliveryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(100)]
    [InlineData(1)]
    public async Task Write_path_and_read_path_fan_out_give_the_same_client_visible_results(int writePathMaxMembers)
    {
        await using var harness = await EngineHarness.StartAsync(o => o.WritePathMaxMembers = writePathMaxMembers);
        var conversation = await harness.CreateGroupAsync("alice", "bob", "carol");
        var (alice, alicePhone) = await harness.ConnectAsync("alice", "phone");
        var (_, aliceLaptop) = await harness.ConnectAsync("alice", "laptop");
        var (bob, bobConnection) = await harness.ConnectAsync("bob");
        var (_, carol) = await harness.ConnectAsync("carol");

        var sent = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            sent.Add((await alice.SendAsync(EventWaits.Text(conversation, $"a{i}"), Ct)).Message.MessageId);
            sent.Add((await bob.SendAsync(EventWaits.Text(conversation, $"b{i}"), Ct)).Message.MessageId);
        }

        await carol.WaitForMessagesAsync(conversation, 10);
        await aliceLaptop.WaitForMessagesAsync(conversation, 10);
        await bobConnection.WaitForMessagesAsync(conversation, 5);
        await alicePhone.WaitForMessagesAsync(conversation, 5);
        Assert.Equal(sent, carol.Messages(conversation).Select(m => m.MessageId));
        Assert.Equal(sent, aliceLaptop.Messages(conversation).Select(m => m.MessageId));
        Assert.Equal(sent.Where((_, i) => i % 2 == 0), bobConnection.Messages(conversation).Select(m => m.MessageId));
        Assert.Equal(sent.Where((_, i) => i % 2 == 1), alicePhone.Messages(conversation).Select(m => m.MessageId));
    }

    [Fact]
    public async Task A_live_message_after_a_gap_is_written_after_the_missing_ones_read_from_the_store()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (_, bob) = await harness.ConnectAsync("bob");
        var first = await alice.SendAsync(EventWaits.Text(conversation, "one"), Ct);
        var second = await alice.SendAsync(EventWaits.Text(conversation, "two"), Ct);
        var third = await alice.SendAsync(EventWaits.Text(conversation, "three"), Ct);
        await bob.WaitForMessagesAsync(conversation, 3);

        // A second device whose cursor is at 1 (it acked 1) receives only the envelope of 3: it must get 2 first.
        await harness.Engine.Receipts.AckUpToAsync("bob", "tablet", conversation, 1, ReceiptStatus.Delivered, Ct);
        var (_, tablet) = await harness.ConnectAsync("bob", "tablet");
        await harness.DeliverFromBackplaneAsync("bob", third.Message);
        var fourth = await alice.SendAsync(EventWaits.Text(conversation, "four"), Ct);

        await tablet.WaitForMessagesAsync(conversation, 3);
        Assert.Equal([second.Message.Seq, third.Message.Seq, fourth.Message.Seq], tablet.Messages(conversation).Select(m => m.Seq));
        Assert.DoesNotContain(tablet.Messages(conversation), m => m.MessageId == first.Message.MessageId);
    }

    [Fact]
    public async Task A_repeated_envelope_is_written_once()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (_, bob) = await harness.ConnectAsync("bob");
        var sent = await alice.SendAsync(EventWaits.Text(conversation, "one"), Ct);
        await bob.WaitForMessagesAsync(conversation, 1);

        await harness.DeliverFromBackplaneAsync("bob", sent.Message);
        var marker = await alice.SendAsync(EventWaits.Text(conversation, "two"), Ct);

        await bob.WaitForMessagesAsync(conversation, 2);
        Assert.Equal([sent.Message.MessageId, marker.Message.MessageId], bob.Messages(conversation).Select(m => m.MessageId));
    }

    [Fact]
    public async Task A_message_that_overtakes_an_append_in_flight_waits_for_it_and_both_arrive_in_order()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (_, bob) = await harness.ConnectAsync("bob");
        var one = StoredMessage(conversation, 1, harness);
        var two = StoredMessage(conversation, 2, harness);

        // Seq 2 is committed and published while seq 1 is still being appended.
        await ArriveAsync(harness, "bob", two);
        await ArriveAsync(harness, "bob", one);

        await bob.WaitForMessagesAsync(conversation, 2);
        Assert.Equal([1L, 2L], bob.Messages(conversation).Select(m => m.Seq));
    }

    [Fact]
    public async Task A_connections_own_message_ahead_of_a_missing_seq_waits_for_it_to_arrive_without_reading_the_store()
    {
        var messages = CallCountingProxy<IMessageStore>.Wrap(new InMemoryMessageStore(), out var calls, everyFlow: true);
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s.AddSingleton(messages));
        var (conversation, one, bobConnection) = await OwnMessageAheadOfAGapAsync(harness);
        Assert.DoesNotContain(nameof(IMessageStore.ReadAfterAsync), calls);

        // Seq 1 arrives: written, and the cursor moves past bob's own seq 2 (never written to the connection that sent
        // it), so alice's seq 3 is written at once.
        await harness.DeliverFromBackplaneAsync("bob", one);
        await ArriveAsync(harness, "bob", StoredMessage(conversation, 3, harness));
        await bobConnection.WaitForMessagesAsync(conversation, 2);
        Assert.Equal([1L, 3L], bobConnection.Messages(conversation).Select(m => m.Seq));
        Assert.DoesNotContain(nameof(IMessageStore.ReadAfterAsync), calls);
    }

    [Fact]
    public async Task A_connections_own_message_ahead_of_a_seq_that_does_not_arrive_gets_it_from_the_re_read()
    {
        await using var harness = await EngineHarness.StartAsync();
        var (conversation, _, bobConnection) = await OwnMessageAheadOfAGapAsync(harness);
        Assert.Empty(bobConnection.Messages(conversation));

        // Seq 1 was committed but its publish was lost: the scheduled re-read of the store delivers it.
        harness.Time.Advance(EngineLimits.GapRecheckDelay);
        await bobConnection.WaitForMessagesAsync(conversation, 1);
        Assert.Equal([1L], bobConnection.Messages(conversation).Select(m => m.Seq));
    }

    [Fact]
    public async Task A_gap_that_is_waited_for_while_the_cursor_keeps_moving_is_not_given_up()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var other = await harness.CreateDirectAsync("carol", "bob");
        var (_, bob) = await harness.ConnectAsync("bob");
        var messages = Enumerable.Range(1, 4).Select(seq => StoredMessage(conversation, seq, harness)).ToArray();

        // Seqs 2 and 4 arrive while 1 and 3 are still being appended.
        await ArriveAsync(harness, "bob", messages[1]);
        await ArriveAsync(harness, "bob", messages[3]);
        await SettleAsync(harness, "bob", bob, other, 1);
        harness.Time.Advance(EngineLimits.GapGiveUpAfter - TimeSpan.FromSeconds(1));
        await SettleAsync(harness, "bob", bob, other, 2);

        // Seq 1 arrives: the cursor moves to 2, and the gap at 3 waits from now, so 2 s later it is still waited for.
        await ArriveAsync(harness, "bob", messages[0]);
        await bob.WaitForMessagesAsync(conversation, 2);
        harness.Time.Advance(TimeSpan.FromSeconds(2));
        await SettleAsync(harness, "bob", bob, other, 3);
        Assert.Equal([1L, 2L], bob.Messages(conversation).Select(m => m.Seq));

        await ArriveAsync(harness, "bob", messages[2]);
        await bob.WaitForMessagesAsync(conversation, 4);
        Assert.Equal([1L, 2L, 3L, 4L], bob.Messages(conversation).Select(m => m.Seq));
    }

    [Fact]
    public async Task A_seq_that_never_appears_is_skipped_after_the_give_up_time()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var other = await harness.CreateDirectAsync("carol", "bob");
        var (_, bob) = await harness.ConnectAsync("bob");
        await ArriveAsync(harness, "bob", StoredMessage(conversation, 2, harness));

        // Once the marker is written, seq 2 has been parked.
        await SettleAsync(harness, "bob", bob, other, 1);
        Assert.Empty(bob.Messages(conversation));

        harness.Time.Advance(EngineLimits.GapGiveUpAfter + TimeSpan.FromSeconds(1));

        await bob.WaitForMessagesAsync(conversation, 1);
        Assert.Equal(2, Assert.Single(bob.Messages(conversation)).Seq);
    }

    [Fact]
    public async Task A_slow_consumer_is_aborted_and_the_others_still_receive_everything()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateGroupAsync("alice", "bob", "carol");
        var (alice, _) = await harness.ConnectAsync("alice");
        var slow = new BoundedClientConnection(capacity: 3);
        await harness.ConnectAsync("bob", "phone", slow);
        var (_, carol) = await harness.ConnectAsync("carol");

        await alice.SendTextsAsync(conversation, 10);

        Assert.Equal("slow consumer", await slow.Aborted.WaitAsync(EngineHarness.Timeout, Ct));
        await carol.WaitForMessagesAsync(conversation, 10);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), carol.Messages(conversation).Select(m => m.Seq));
    }

    [Fact]
    public async Task A_connection_that_throws_on_write_is_aborted_without_stopping_the_fan_out()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateGroupAsync("alice", "bob", "carol");
        var (alice, _) = await harness.ConnectAsync("alice");
        var broken = new ThrowingClientConnection();
        await harness.ConnectAsync("bob", "phone", broken);
        var (_, carol) = await harness.ConnectAsync("carol");

        await alice.SendAsync(EventWaits.Text(conversation, "hi"), Ct);

        Assert.Equal("slow consumer", await broken.Aborted.WaitAsync(EngineHarness.Timeout, Ct));
        await carol.WaitForMessagesAsync(conversation, 1);
    }

    [Fact]
    public async Task A_user_removed_from_a_read_path_group_stops_receiving_and_an_added_one_starts()
    {
        await using var harness = await EngineHarness.StartAsync(o => o.WritePathMaxMembers = 1);
        var conversation = await harness.CreateGroupAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (_, bob) = await harness.ConnectAsync("bob");
        var (_, carol) = await harness.ConnectAsync("carol");

        await harness.Engine.RemoveMemberAsync("alice", conversation, "bob", Ct);
        await harness.Engine.AddMemberAsync("alice", conversation, "carol", Ct);
        var after = await alice.SendAsync(EventWaits.Text(conversation, "after"), Ct);

        await carol.WaitForAsync(events => events.Messages(conversation).Any(m => m.MessageId == after.Message.MessageId));
        await bob.WaitForMessagesAsync(conversation, 1);
        Assert.DoesNotContain(bob.Messages(conversation), m => m.MessageId == after.Message.MessageId);
    }

    [Fact]
    public async Task A_group_that_grows_into_the_read_path_keeps_delivering_to_connected_members()
    {
        await using var harness = await EngineHarness.StartAsync(o => o.WritePathMaxMembers = 2);
        var conversation = await harness.CreateGroupAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (_, bob) = await harness.ConnectAsync("bob");
        var (_, carol) = await harness.ConnectAsync("carol");

        await harness.Engine.AddMemberAsync("alice", conversation, "carol", Ct);
        var sent = await alice.SendAsync(EventWaits.Text(conversation, "now on the read path"), Ct);

        await bob.WaitForAsync(events => events.Messages(conversation).Any(m => m.MessageId == sent.Message.MessageId));
        await carol.WaitForAsync(events => events.Messages(conversation).Any(m => m.MessageId == sent.Message.MessageId));
        Assert.Equal([1L, 2L], bob.Messages(conversation).Select(m => m.Seq));
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(EngineLimits.InlineFanOut, true)]
    [InlineData(EngineLimits.InlineFanOut + 1, false)]
    public async Task An_envelope_for_few_users_is_written_on_the_routing_thread_and_a_larger_fan_out_on_the_thread_pool(int recipients, bool onRoutingThread)
    {
        await using var harness = await EngineHarness.StartAsync();
        var users = Enumerable.Range(0, recipients).Select(i => $"member-{i}").ToArray();
        var conversation = await harness.CreateGroupAsync("alice", users);
        var connections = new List<(RecordingClientConnection Events, ThreadNotingConnection Threads)>();
        foreach (var user in users)
        {
            var events = new RecordingClientConnection();
            var threads = new ThreadNotingConnection(events);
            await harness.ConnectAsync(user, "phone", threads);
            await events.WhenSyncCompletedAsync().WaitAsync(EngineHarness.Timeout, Ct);
            connections.Add((events, threads));
        }

        var message = StoredMessage(conversation, 1, harness);
        await harness.Messages.AppendAsync(message, Ct);

        // The in-memory backplane runs an idle inbox's handler on the publishing thread, within the publish call.
        var envelope = EnvelopeCodec.Encode(new NodeEnvelope(Audience.Of(users), new MessageEnvelope(message, null)));
        var publish = ValueTask.CompletedTask;
        ThreadNotingConnection.WhileRouting(() => publish = harness.Transport.PublishAsync([harness.Engine.NodeId], envelope, Ct));
        await publish;

        foreach (var (events, threads) in connections)
        {
            await events.WaitForMessagesAsync(conversation, 1);
            Assert.Equal(onRoutingThread, Assert.Single(threads.WrittenWhileRouting));
        }
    }

    // Alice's seq 1 and bob's seq 2 are committed; bob's own seq 2 reaches his sending connection first (alice's is
    // still on its way) and has been handled when this returns. Seq 1 is returned, not delivered.
    private static async Task<(string Conversation, Message One, RecordingClientConnection Bob)> OwnMessageAheadOfAGapAsync(EngineHarness harness)
    {
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var marker = await harness.CreateDirectAsync("carol", "bob");
        var (bob, bobConnection) = await harness.ConnectAsync("bob");
        var one = StoredMessage(conversation, 1, harness);
        var two = StoredMessage(conversation, 2, harness) with { SenderId = "bob" };
        await harness.Messages.AppendAsync(one, Ct);
        await harness.Messages.AppendAsync(two, Ct);

        await harness.DeliverFromBackplaneAsync("bob", two, bob.ConnectionId);
        await SettleAsync(harness, "bob", bobConnection, marker, 1);
        return (conversation, one, bobConnection);
    }

    // A message committed by another node and published to this one: stored, then delivered from the backplane.
    private static async Task ArriveAsync(EngineHarness harness, string userId, Message message)
    {
        await harness.Messages.AppendAsync(message, Ct);
        await harness.DeliverFromBackplaneAsync(userId, message);
    }

    // The connection's pipeline is serial: once seq n of a marker conversation is written to it, everything delivered
    // to it before has been handled.
    private static async Task SettleAsync(EngineHarness harness, string userId, RecordingClientConnection connection, string markerConversation, int n)
    {
        await ArriveAsync(harness, userId, StoredMessage(markerConversation, n, harness));
        await connection.WaitForMessagesAsync(markerConversation, n);
    }

    internal static Message StoredMessage(string conversationId, long seq, EngineHarness harness) => new()
    {
        ConversationId = conversationId,
        Seq = seq,
        MessageId = $"{conversationId}-{seq}-{Guid.NewGuid():N}",
        SenderId = "alice",
        ClientMsgId = Guid.NewGuid().ToString("N"),
        Content = $"m{seq}",
        Timestamp = harness.Time.GetUtcNow(),
    };

    // Notes, for every message write, whether it ran within a WhileRouting call on that call's thread; then records it.
    private sealed class ThreadNotingConnection(RecordingClientConnection inner) : IClientConnection
    {
        [ThreadStatic]
        private static bool t_routing;

        private readonly System.Collections.Concurrent.ConcurrentQueue<bool> _writtenWhileRouting = new();

        public string ConnectionId => inner.ConnectionId;

        public IReadOnlyCollection<bool> WrittenWhileRouting => _writtenWhileRouting;

        public static void WhileRouting(Action route)
        {
            t_routing = true;
            try
            {
                route();
            }
            finally
            {
                t_routing = false;
            }
        }

        public bool TryWrite(ClientEvent clientEvent)
        {
            if (clientEvent is MessageEvent)
            {
                _writtenWhileRouting.Enqueue(t_routing);
            }

            return inner.TryWrite(clientEvent);
        }

        public void Abort(string reason) => inner.Abort(reason);
    }

    private sealed class ThrowingClientConnection : IClientConnection
    {
        private readonly TaskCompletionSource<string> _aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string ConnectionId { get; } = "broken-" + Guid.NewGuid().ToString("N");

        public Task<string> Aborted => _aborted.Task;

        public bool TryWrite(ClientEvent clientEvent) => clientEvent is SyncCompleteEvent ? true : throw new InvalidOperationException("socket gone");

        public void Abort(string reason) => _aborted.TrySetResult(reason);
    }
}
