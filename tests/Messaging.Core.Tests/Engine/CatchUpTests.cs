using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Messaging.Tests.Engine;

public sealed class CatchUpTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reconnect_catch_up_delivers_the_missed_messages_exactly_once_in_order_then_sync_complete()
    {
        await using var harness = await EngineHarness.StartAsync(o => o.CatchUpBatchSize = 3);
        var direct = await harness.CreateDirectAsync("alice", "bob");
        var group = await harness.CreateGroupAsync("carol", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (carol, _) = await harness.ConnectAsync("carol");
        for (var i = 0; i < 7; i++)
        {
            await alice.SendAsync(EventWaits.Text(direct, $"a{i}"), Ct);
            await carol.SendAsync(EventWaits.Text(group, $"c{i}"), Ct);
        }

        var (_, bob) = await harness.ConnectAsync("bob");

        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), bob.Messages(direct).Select(m => m.Seq));
        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), bob.Messages(group).Select(m => m.Seq));
        var complete = Assert.IsType<SyncCompleteEvent>(bob.Events[^1]);
        Assert.Equal(7, complete.Cursors[direct]);
        Assert.Equal(7, complete.Cursors[group]);
    }

    [Fact]
    public async Task Catch_up_starts_after_the_devices_delivered_mark()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (bob, _) = await harness.ConnectAsync("bob");
        await alice.SendTextsAsync(conversation, 5);

        await bob.AckUpToAsync(conversation, 3, ReceiptStatus.Delivered, Ct);
        await bob.DisposeAsync();

        var (_, again) = await harness.ConnectAsync("bob");
        var (_, otherDevice) = await harness.ConnectAsync("bob", "tablet");

        Assert.Equal([4L, 5L], again.Messages(conversation).Select(m => m.Seq));
        Assert.Equal([1L, 2L, 3L, 4L, 5L], otherDevice.Messages(conversation).Select(m => m.Seq));
    }

    [Fact]
    public async Task Messages_sent_while_catch_up_runs_are_neither_lost_nor_duplicated_nor_reordered()
    {
        await using var harness = await EngineHarness.StartAsync(o => o.CatchUpBatchSize = 2);
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        await alice.SendTextsAsync(conversation, 40, "old");

        var connecting = harness.ConnectAsync("bob", awaitSync: false);
        await alice.SendTextsAsync(conversation, 40, "new");

        var (_, bob) = await connecting;

        // The 80th message may be written by the catch-up itself, just before its sync_complete: wait for both.
        await bob.WaitForAsync(events => events.OfType<SyncCompleteEvent>().Any() && events.Messages(conversation).Count >= 80);
        Assert.Equal(Enumerable.Range(1, 80).Select(i => (long)i), bob.Messages(conversation).Select(m => m.Seq));
        Assert.Equal(1, bob.SyncCompletions);
    }

    [Fact]
    public async Task Sync_with_cursors_resends_what_follows_each_cursor_and_ends_with_sync_complete()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (bob, connection) = await harness.ConnectAsync("bob");
        await alice.SendTextsAsync(conversation, 4);

        await connection.WaitForMessagesAsync(conversation, 4);

        await bob.SyncAsync(new Dictionary<string, long> { [conversation] = 2 }, Ct);

        Assert.Equal([1L, 2L, 3L, 4L, 3L, 4L], connection.Messages(conversation).Select(m => m.Seq));
        Assert.Equal(4, Assert.IsType<SyncCompleteEvent>(connection.Events[^1]).Cursors[conversation]);
        await alice.SendAsync(EventWaits.Text(conversation, "live"), Ct);
        await connection.WaitForMessagesAsync(conversation, 7);
        Assert.Equal(5, connection.Messages(conversation)[^1].Seq);
    }

    [Fact]
    public async Task Sync_without_cursors_never_starts_after_what_this_connection_was_sent()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (bob, connection) = await harness.ConnectAsync("bob");

        // Seq 1 is stored but its envelope is lost, and the device's mark moves past it (as a send from it would).
        var lost = DeliveryTests.StoredMessage(conversation, 1, harness);
        await harness.Messages.AppendAsync(lost, Ct);
        await harness.Services.GetRequiredService<IConversationIndex>().TouchAsync(conversation, 1, lost.Timestamp, Ct);
        await harness.Receipts.AdvanceAsync(conversation, "bob", "phone", 1, 1, harness.Time.GetUtcNow(), Ct);

        await bob.SyncAsync(null, Ct);

        Assert.Equal([lost.MessageId], connection.Messages(conversation).Select(m => m.MessageId));
    }

    [Fact]
    public async Task Sync_never_reveals_conversations_the_user_is_not_a_member_of()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        await alice.SendAsync(EventWaits.Text(conversation, "private"), Ct);
        var (mallory, connection) = await harness.ConnectAsync("mallory");

        await mallory.SyncAsync(new Dictionary<string, long> { [conversation] = 0 }, Ct);

        Assert.Empty(connection.Events.OfType<MessageEvent>());
        Assert.All(connection.Events.OfType<SyncCompleteEvent>(), s => Assert.Empty(s.Cursors));
    }
}
