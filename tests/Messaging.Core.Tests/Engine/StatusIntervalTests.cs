using Messaging.Conformance;
using Xunit;

namespace Messaging.Tests.Engine;

/// <summary>
/// <see cref="MessagingOptions.ReceiptStatusInterval"/>: a member's first mark move publishes its statuses at once, the
/// moves within the next interval go out together as the newest status when it ends, and a stopping node publishes
/// what it holds.
/// </summary>
public sealed class StatusIntervalTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Moves_within_the_interval_are_published_together_as_the_newest_status_when_it_ends()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var marker = await harness.CreateDirectAsync("carol", "alice");
        var (alice, aliceConnection) = await harness.ConnectAsync("alice");
        var (bob, _) = await harness.ConnectAsync("bob");
        var (carol, _) = await harness.ConnectAsync("carol");
        await SendAndAckTheFirstAsync(conversation, alice, aliceConnection, bob, texts: 4);

        // Two more moves within the interval: nothing yet. Alice's pipeline is serial, so once carol's message reached
        // her, a status published before it would have too.
        await bob.AckUpToAsync(conversation, 2, ReceiptStatus.Delivered, Ct);
        await bob.AckUpToAsync(conversation, 3, ReceiptStatus.Delivered, Ct);
        await carol.SendAsync(EventWaits.Text(marker, "marker"), Ct);
        await aliceConnection.WaitForMessagesAsync(marker, 1);
        Assert.Equal([1L], DeliveredSeqs(aliceConnection));

        // The interval ends: one status, for the newest message the moves crossed.
        harness.PassStatusInterval();
        await aliceConnection.WaitForStatusAsync(ReceiptStatus.Delivered, 3);
        Assert.Equal([1L, 3L], DeliveredSeqs(aliceConnection));

        // An interval without moves ends the window: the next move is published at once again.
        harness.PassStatusInterval();
        await bob.AckUpToAsync(conversation, 4, ReceiptStatus.Delivered, Ct);
        await aliceConnection.WaitForStatusAsync(ReceiptStatus.Delivered, 4);
        Assert.Equal([1L, 3L, 4L], DeliveredSeqs(aliceConnection));
    }

    [Fact]
    public async Task Held_moves_merge_from_the_lowest_mark_before_so_a_later_move_that_crosses_nothing_keeps_the_earlier_ones_status()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, aliceConnection) = await harness.ConnectAsync("alice");
        var (bob, _) = await harness.ConnectAsync("bob");
        await SendAndAckTheFirstAsync(conversation, alice, aliceConnection, bob, texts: 2);

        // Held: delivered 1 → 2 crosses alice's seq 2; then bob's own message (seq 3) moves his marks 2 → 3, which
        // crosses none of alice's. Merged, the window's move runs from delivered 1, so seq 2 still gets its status.
        await bob.AckUpToAsync(conversation, 2, ReceiptStatus.Delivered, Ct);
        await bob.SendAsync(EventWaits.Text(conversation, "from bob"), Ct);
        harness.PassStatusInterval();
        await aliceConnection.WaitForStatusAsync(ReceiptStatus.Delivered, 2);
        Assert.Equal([1L, 2L], DeliveredSeqs(aliceConnection));
    }

    [Fact]
    public async Task A_sender_writing_in_a_busy_conversation_sends_one_read_status_per_interval()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (bob, bobConnection) = await harness.ConnectAsync("bob");

        // Each of alice's sends reads bob's message before it: the first read status goes out at once, the next two
        // are held and go out as one.
        for (var i = 0; i < 3; i++)
        {
            await bob.SendAsync(EventWaits.Text(conversation, "from bob " + i), Ct);
            await alice.SendAsync(EventWaits.Text(conversation, "from alice " + i), Ct);
        }

        await bobConnection.WaitForStatusAsync(ReceiptStatus.Read, 1);
        harness.PassStatusInterval();
        await bobConnection.WaitForStatusAsync(ReceiptStatus.Read, 5);
        var reads = bobConnection.Events.OfType<StatusEvent>().Where(s => s.Status == ReceiptStatus.Read).Select(s => s.Seq);
        Assert.Equal([1L, 5L], reads);
    }

    [Fact]
    public async Task A_group_of_more_than_16_members_publishes_every_move_at_once()
    {
        const int Size = 17;
        await using var harness = await EngineHarness.StartAsync();
        var members = Enumerable.Range(0, Size).Select(i => "u" + i).ToArray();
        var conversation = await harness.CreateGroupAsync(members[0], members[1..]);
        var (sender, senderConnection) = await harness.ConnectAsync(members[0]);
        var sessions = new List<MessagingSession> { sender };
        foreach (var member in members[1..])
        {
            sessions.Add((await harness.ConnectAsync(member)).Session);
        }

        await sessions[0].SendTextsAsync(conversation, 2);

        // Every member acks twice within the interval; the last acker's second ack completes seq 2 at once.
        for (var seq = 1; seq <= 2; seq++)
        {
            foreach (var session in sessions.Skip(1))
            {
                await session.AckUpToAsync(conversation, seq, ReceiptStatus.Delivered, Ct);
            }
        }

        await senderConnection.WaitForStatusAsync(ReceiptStatus.Delivered, 2);
        Assert.Equal([1L, 2L], DeliveredSeqs(senderConnection));
    }

    [Fact]
    public async Task A_zero_interval_publishes_every_move_at_once()
    {
        await using var harness = await EngineHarness.StartAsync(o => o.ReceiptStatusInterval = TimeSpan.Zero);
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, aliceConnection) = await harness.ConnectAsync("alice");
        var (bob, _) = await harness.ConnectAsync("bob");
        await alice.SendTextsAsync(conversation, 3);

        for (var seq = 1; seq <= 3; seq++)
        {
            await bob.AckUpToAsync(conversation, seq, ReceiptStatus.Delivered, Ct);
        }

        await aliceConnection.WaitForStatusAsync(ReceiptStatus.Delivered, 3);
        Assert.Equal([1L, 2L, 3L], DeliveredSeqs(aliceConnection));
    }

    [Fact]
    public async Task A_stopping_node_publishes_the_statuses_it_holds()
    {
        await using var cluster = await ClusterHarness.StartAsync(2, new InMemoryMessageTransport());
        var conversation = await cluster.CreateDirectAsync("alice", "bob");
        var (alice, aliceConnection) = await cluster.ConnectAsync(0, "alice");
        var (bob, bobConnection) = await cluster.ConnectAsync(1, "bob");
        await alice.SendTextsAsync(conversation, 3);
        await bobConnection.WaitForMessagesAsync(conversation, 3);
        await bob.AckUpToAsync(conversation, 1, ReceiptStatus.Delivered, Ct);
        await aliceConnection.WaitForStatusAsync(ReceiptStatus.Delivered, 1);
        await bob.AckUpToAsync(conversation, 3, ReceiptStatus.Delivered, Ct);

        // Bob's node stops (and comes back) without its clock moving: what it held reaches alice's node.
        await cluster.RestartAsync(1, () => aliceConnection.WaitForStatusAsync(ReceiptStatus.Delivered, 3));

        Assert.Equal([1L, 3L], DeliveredSeqs(aliceConnection));
    }

    // Alice sends the texts and bob acknowledges the first: an idle conversation, so its status goes out at once and
    // opens bob's window.
    private static async Task SendAndAckTheFirstAsync(string conversation, MessagingSession alice, RecordingClientConnection aliceConnection, MessagingSession bob, int texts)
    {
        await alice.SendTextsAsync(conversation, texts);
        await bob.AckUpToAsync(conversation, 1, ReceiptStatus.Delivered, Ct);
        await aliceConnection.WaitForStatusAsync(ReceiptStatus.Delivered, 1);
    }

    private static List<long> DeliveredSeqs(RecordingClientConnection connection) =>
        [.. connection.Events.OfType<StatusEvent>().Where(s => s.Status == ReceiptStatus.Delivered).Select(s => s.Seq)];
}
