using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Messaging.Tests.Engine;

// A message store that no longer holds a conversation's oldest messages (a configured retention removed them): the
// engine skips the removed seqs like tombstones instead of waiting for them. The fake clock never moves here, so a
// reader that waited for a removed seq would wait until the test timed out.
public sealed class HistoryStartTests
{
    private const int Kept = 5;
    private const int Sent = 12;
    private const long HistoryStart = Sent - Kept + 1;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Offline_member_catches_up_on_what_the_store_kept_with_the_right_cursor_and_live_messages_follow_at_once()
    {
        await using var harness = await StartAsync();
        var group = await harness.CreateGroupAsync("alice", "bob", "carol");
        var (alice, _) = await harness.ConnectAsync("alice");
        await alice.SendTextsAsync(group, Sent);

        var (_, bob) = await harness.ConnectAsync("bob");

        AssertCaughtUp(bob, group, HistoryStart, Sent);
        await AssertLiveFollowsAsync(alice, bob, group, Sent + 1);
    }

    [Fact]
    public async Task Brand_new_device_catches_up_on_what_the_store_kept_and_live_messages_follow_at_once()
    {
        await using var harness = await StartAsync();
        var group = await harness.CreateGroupAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (_, phone) = await harness.ConnectAsync("bob");
        await alice.SendTextsAsync(group, Sent);
        await phone.WaitForMessagesAsync(group, Sent);

        var (_, tablet) = await harness.ConnectAsync("bob", "tablet");

        AssertCaughtUp(tablet, group, HistoryStart, Sent);
        await AssertLiveFollowsAsync(alice, tablet, group, Sent + 1);
    }

    [Fact]
    public async Task Newly_added_member_catches_up_on_what_the_store_kept_and_live_messages_follow_at_once()
    {
        await using var harness = await StartAsync();
        var group = await harness.CreateGroupAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        await alice.SendTextsAsync(group, Sent);
        await harness.Engine.AddMemberAsync("alice", group, "dave", Ct);
        var last = await harness.Messages.GetLastSeqAsync(group, Ct);

        var (_, dave) = await harness.ConnectAsync("dave");

        var seqs = dave.Messages(group).Select(m => m.Seq).ToList();
        Assert.NotEmpty(seqs);
        Assert.Equal(Enumerable.Range((int)seqs[0], (int)(last - seqs[0] + 1)).Select(s => (long)s), seqs);
        Assert.Equal(last, Assert.IsType<SyncCompleteEvent>(dave.Events[^1]).Cursors[group]);
        await AssertLiveFollowsAsync(alice, dave, group, last + 1);
    }

    [Fact]
    public async Task Live_message_after_a_removed_gap_is_delivered_at_once()
    {
        await using var harness = await StartAsync();
        var group = await harness.CreateGroupAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (bob, connection) = await harness.ConnectAsync("bob");
        await alice.SendTextsAsync(group, 2);
        await connection.WaitForMessagesAsync(group, 2);

        // Seqs 3..12 are committed behind the connection's back (their envelopes lost); retention then removes 3..8.
        for (var seq = 3; seq <= Sent; seq++)
        {
            await harness.Messages.AppendAsync(DeliveryTests.StoredMessage(group, seq, harness), Ct);
        }

        await alice.SendAsync(EventWaits.Text(group, "live"), Ct);

        await connection.WaitForAsync(events => events.Messages(group).Any(m => m.Seq == Sent + 1));
        Assert.Equal([1L, 2L, .. Enumerable.Range((int)HistoryStart + 1, Kept).Select(s => (long)s)], connection.Messages(group).Select(m => m.Seq));
        await bob.DisposeAsync();
    }

    [Fact]
    public async Task Unread_counts_and_history_leave_out_removed_messages()
    {
        await using var harness = await StartAsync();
        var group = await harness.CreateGroupAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        await alice.SendTextsAsync(group, Sent);

        var listed = Assert.Single(await harness.Engine.ListConversationsAsync("bob", cancellationToken: Ct));
        var viewed = await harness.Engine.GetConversationAsync("bob", group, Ct);
        var newest = await harness.Engine.GetMessagesAsync("bob", group, new MessagePage(null, null, 100), Ct);
        var fromStart = await harness.Engine.GetMessagesAsync("bob", group, new MessagePage(null, 0, 100), Ct);

        foreach (var view in new[] { listed, viewed })
        {
            Assert.Equal(Sent, view.LastSeq);
            Assert.Equal(HistoryStart, view.HistoryStartSeq);
            Assert.Equal(Kept, view.UnreadCount);
        }

        Assert.Equal(Enumerable.Range((int)HistoryStart, Kept).Reverse().Select(s => (long)s), newest.Select(m => m.Seq));
        Assert.Equal(Enumerable.Range((int)HistoryStart, Kept).Select(s => (long)s), fromStart.Select(m => m.Seq));

        // A read mark inside the kept history counts from the mark; the sender has read everything.
        await harness.Receipts.AdvanceAsync(group, "bob", "phone", Sent - 2, Sent - 2, harness.Time.GetUtcNow(), Ct);
        Assert.Equal(2, (await harness.Engine.GetConversationAsync("bob", group, Ct)).UnreadCount);
        Assert.Equal(0, (await harness.Engine.GetConversationAsync("alice", group, Ct)).UnreadCount);
    }

    // A live message right after catch-up reaches the connection without waiting (the clock never moves).
    private static async Task AssertLiveFollowsAsync(MessagingSession sender, Conformance.RecordingClientConnection connection, string conversationId, long seq)
    {
        await sender.SendAsync(EventWaits.Text(conversationId, "live"), Ct);
        await connection.WaitForAsync(events => events.Messages(conversationId).Any(m => m.Seq == seq));
        Assert.Equal(seq, connection.Messages(conversationId)[^1].Seq);
    }

    private static Task<EngineHarness> StartAsync()
        => EngineHarness.StartAsync(o => o.CatchUpBatchSize = 3, services => services.AddSingleton<IMessageStore>(new InMemoryMessageStore(Kept)));

    // Catch-up wrote exactly the kept messages, in order, and then sync_complete with the last seq as the cursor.
    private static void AssertCaughtUp(Conformance.RecordingClientConnection connection, string conversationId, long first, long last)
    {
        Assert.Equal(Enumerable.Range((int)first, (int)(last - first + 1)).Select(s => (long)s), connection.Messages(conversationId).Select(m => m.Seq));
        Assert.Equal(last, Assert.IsType<SyncCompleteEvent>(connection.Events[^1]).Cursors[conversationId]);
    }
}
