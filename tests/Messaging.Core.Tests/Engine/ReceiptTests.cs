using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Messaging.Tests.Engine;

public sealed class ReceiptTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task In_a_direct_conversation_the_sender_gets_delivered_then_read_for_the_newest_crossed_message()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, aliceConnection) = await harness.ConnectAsync("alice");
        var (bob, _) = await harness.ConnectAsync("bob");
        var sent = await alice.SendTextsAsync(conversation, 3);

        await bob.AckAsync([sent[0].MessageId, sent[2].MessageId], ReceiptStatus.Delivered, Ct);
        await aliceConnection.WaitForStatusAsync(ReceiptStatus.Delivered, 3);

        // Bob's marks moved again within the status interval: the read status goes out when it ends.
        await bob.AckUpToAsync(conversation, 2, ReceiptStatus.Read, Ct);
        harness.PassStatusInterval();
        await aliceConnection.WaitForStatusAsync(ReceiptStatus.Read, 2);

        var statuses = aliceConnection.Events.OfType<StatusEvent>().Where(s => s.Status != ReceiptStatus.Sent).ToList();
        Assert.Equal([(ReceiptStatus.Delivered, 3L), (ReceiptStatus.Read, 2L)], statuses.Select(s => (s.Status, s.Seq)));
        Assert.Equal((sent[2].MessageId, sent[2].ClientMsgId), (statuses[0].MessageId, statuses[0].ClientMsgId));
    }

    [Fact]
    public async Task A_sender_that_was_offline_gets_the_current_statuses_of_its_messages_after_them_in_catch_up()
    {
        await using var harness = await EngineHarness.StartAsync();
        var direct = await harness.CreateDirectAsync("alice", "bob");
        var group = await harness.CreateGroupAsync("alice", "bob", "carol");
        var (alice, _) = await harness.ConnectAsync("alice");
        var sent = await alice.SendTextsAsync(direct, 3);
        await alice.SendTextsAsync(group, 2);
        await alice.DisposeAsync();

        var (bob, _) = await harness.ConnectAsync("bob");
        await bob.AckUpToAsync(direct, 3, ReceiptStatus.Delivered, Ct);
        await bob.AckUpToAsync(direct, 2, ReceiptStatus.Read, Ct);
        await bob.AckUpToAsync(group, 2, ReceiptStatus.Read, Ct);
        var (_, again) = await harness.ConnectAsync("alice");

        var events = again.Events;
        var statuses = events.OfType<StatusEvent>().ToList();
        Assert.Equal([(direct, ReceiptStatus.Delivered, 3L), (direct, ReceiptStatus.Read, 2L)], statuses.Select(s => (s.ConversationId, s.Status, s.Seq)));
        Assert.Equal((sent[2].MessageId, sent[2].ClientMsgId), (statuses[0].MessageId, statuses[0].ClientMsgId));
        var lastDirectMessage = events.ToList().FindLastIndex(e => e is MessageEvent m && m.Message.ConversationId == direct);
        Assert.True(events.ToList().IndexOf(statuses[0]) > lastDirectMessage, "the statuses come after the conversation's messages");
        Assert.IsType<SyncCompleteEvent>(events[^1]);
    }

    [Fact]
    public async Task Read_implies_delivered()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, aliceConnection) = await harness.ConnectAsync("alice");
        var (bob, _) = await harness.ConnectAsync("bob");
        await alice.SendAsync(EventWaits.Text(conversation, "hi"), Ct);

        await bob.AckUpToAsync(conversation, 1, ReceiptStatus.Read, Ct);

        await aliceConnection.WaitForStatusAsync(ReceiptStatus.Read, 1);
        await aliceConnection.WaitForStatusAsync(ReceiptStatus.Delivered, 1);
        var mark = await harness.Receipts.GetUserAsync(conversation, "bob", Ct);
        Assert.Equal((1L, 1L), (mark.DeliveredUpTo, mark.ReadUpTo));
    }

    [Fact]
    public async Task An_ack_up_to_a_seq_in_a_direct_conversation_reads_one_message_from_the_store_and_the_sender_gets_its_status()
    {
        var messages = CallCountingProxy<IMessageStore>.Wrap(new InMemoryMessageStore(), out var messageCalls);
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s.AddSingleton(messages));
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, aliceConnection) = await harness.ConnectAsync("alice");
        var (bob, _) = await harness.ConnectAsync("bob");
        var sent = await alice.SendTextsAsync(conversation, 3);

        // Beyond the last seq: clamped to the newest message, which is also the one the status names.
        using (CallCountingProxy<IMessageStore>.Record())
        {
            await bob.AckUpToAsync(conversation, 10, ReceiptStatus.Delivered, Ct);
        }

        await aliceConnection.WaitForStatusAsync(ReceiptStatus.Delivered, 3);
        Assert.Equal([nameof(IMessageStore.ReadBeforeAsync)], messageCalls);
        Assert.Equal(sent[2].MessageId, aliceConnection.Events.OfType<StatusEvent>().Single(s => s.Status == ReceiptStatus.Delivered).MessageId);
        Assert.Equal(new Watermark(3, 0), (await harness.Receipts.GetUserAsync(conversation, "bob", Ct)) with { DeliveredAt = null, ReadAt = null });
    }

    [Fact]
    public async Task An_ack_up_to_a_seq_whose_messages_retention_removed_still_moves_the_mark_to_it()
    {
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s.AddSingleton<IMessageStore>(new InMemoryMessageStore(2)));
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (bob, _) = await harness.ConnectAsync("bob");
        await alice.SendTextsAsync(conversation, 5);

        await bob.AckUpToAsync(conversation, 2, ReceiptStatus.Read, Ct);

        Assert.Equal(new Watermark(2, 2), (await harness.Receipts.GetUserAsync(conversation, "bob", Ct)) with { DeliveredAt = null, ReadAt = null });
    }

    [Fact]
    public async Task Duplicate_reordered_and_early_acks_never_move_marks_backwards_or_past_the_last_seq()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, aliceConnection) = await harness.ConnectAsync("alice");
        var (bob, _) = await harness.ConnectAsync("bob");
        var sent = await alice.SendTextsAsync(conversation, 3);

        await bob.AckUpToAsync(conversation, 100, ReceiptStatus.Read, Ct);
        await bob.AckAsync([sent[0].MessageId], ReceiptStatus.Delivered, Ct);
        await bob.AckUpToAsync(conversation, 1, ReceiptStatus.Read, Ct);
        await bob.AckUpToAsync(conversation, 3, ReceiptStatus.Read, Ct);

        var mark = await harness.Receipts.GetUserAsync(conversation, "bob", Ct);
        Assert.Equal((3L, 3L), (mark.DeliveredUpTo, mark.ReadUpTo));

        // The early ack was clamped: a new message is unread and undelivered.
        var fourth = await alice.SendAsync(EventWaits.Text(conversation, "m3"), Ct);
        Assert.Equal(1, (await harness.Engine.GetConversationAsync("bob", conversation, Ct)).UnreadCount);
        await bob.AckAsync([fourth.Message.MessageId], ReceiptStatus.Read, Ct);
        harness.PassStatusInterval();
        await aliceConnection.WaitForStatusAsync(ReceiptStatus.Read, 4);
        var nonSent = aliceConnection.Events.OfType<StatusEvent>().Where(s => s.Status != ReceiptStatus.Sent).Select(s => (s.Status, s.Seq)).ToList();
        Assert.Equal([(ReceiptStatus.Delivered, 3L), (ReceiptStatus.Read, 3L), (ReceiptStatus.Delivered, 4L), (ReceiptStatus.Read, 4L)], nonSent);
    }

    [Fact]
    public async Task In_a_group_a_message_is_delivered_and_read_for_its_sender_only_when_every_other_member_passed_it()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateGroupAsync("alice", "bob", "carol");
        var (alice, aliceConnection) = await harness.ConnectAsync("alice");
        var (bob, _) = await harness.ConnectAsync("bob");
        var (carol, _) = await harness.ConnectAsync("carol");
        var message = (await alice.SendAsync(EventWaits.Text(conversation, "hi all"), Ct)).Message;

        await bob.AckUpToAsync(conversation, 1, ReceiptStatus.Read, Ct);
        var afterBob = await harness.Engine.GetReceiptsAsync("alice", message.MessageId, Ct);
        await carol.AckUpToAsync(conversation, 1, ReceiptStatus.Delivered, Ct);
        await aliceConnection.WaitForStatusAsync(ReceiptStatus.Delivered, 1);
        Assert.DoesNotContain(aliceConnection.Events.OfType<StatusEvent>(), s => s.Status == ReceiptStatus.Read);
        await carol.AckUpToAsync(conversation, 1, ReceiptStatus.Read, Ct);
        harness.PassStatusInterval();
        await aliceConnection.WaitForStatusAsync(ReceiptStatus.Read, 1);

        Assert.Equal(1, aliceConnection.Events.OfType<StatusEvent>().Count(s => s.Status == ReceiptStatus.Delivered));
        var bobReceipt = afterBob.Receipts.Single(r => r.UserId == "bob");
        var carolBefore = afterBob.Receipts.Single(r => r.UserId == "carol");
        Assert.NotNull(bobReceipt.ReadAt);
        Assert.NotNull(bobReceipt.DeliveredAt);
        Assert.Equal((null, null), (carolBefore.DeliveredAt, carolBefore.ReadAt));
    }

    [Fact]
    public async Task In_a_group_each_sender_gets_statuses_computed_without_their_own_mark()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateGroupAsync("alice", "bob", "carol");
        var (alice, aliceConnection) = await harness.ConnectAsync("alice");
        var (bob, bobConnection) = await harness.ConnectAsync("bob");
        var (carol, _) = await harness.ConnectAsync("carol");
        await alice.SendAsync(EventWaits.Text(conversation, "from alice"), Ct);
        await bob.SendAsync(EventWaits.Text(conversation, "from bob"), Ct);

        // Sending read everything before: bob has read alice's message 1. Carol reading both completes alice's message,
        // but bob's message 2 still waits for alice, whose marks stop at 1 (her own send).
        await carol.AckUpToAsync(conversation, 2, ReceiptStatus.Read, Ct);
        await aliceConnection.WaitForStatusAsync(ReceiptStatus.Read, 1);
        await alice.AckUpToAsync(conversation, 2, ReceiptStatus.Read, Ct);
        harness.PassStatusInterval();
        await bobConnection.WaitForStatusAsync(ReceiptStatus.Read, 2);

        var bobStatuses = bobConnection.Events.OfType<StatusEvent>().Where(s => s.Status != ReceiptStatus.Sent).Select(s => (s.Status, s.Seq));
        Assert.Equal([(ReceiptStatus.Delivered, 2L), (ReceiptStatus.Read, 2L)], bobStatuses);
        var aliceStatuses = aliceConnection.Events.OfType<StatusEvent>().Where(s => s.Status != ReceiptStatus.Sent).Select(s => (s.Status, s.Seq));
        Assert.Equal([(ReceiptStatus.Delivered, 1L), (ReceiptStatus.Read, 1L)], aliceStatuses);
    }

    [Fact]
    public async Task Unread_count_is_the_last_seq_minus_the_read_mark()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (bob, _) = await harness.ConnectAsync("bob");
        await alice.SendTextsAsync(conversation, 5);

        await bob.AckUpToAsync(conversation, 5, ReceiptStatus.Delivered, Ct);
        await bob.AckUpToAsync(conversation, 2, ReceiptStatus.Read, Ct);

        var view = Assert.Single(await harness.Engine.ListConversationsAsync("bob", cancellationToken: Ct));
        Assert.Equal((5L, 3L), (view.LastSeq, view.UnreadCount));
        Assert.Equal("m4", view.LastMessage!.Content);
    }

    [Fact]
    public async Task Acks_of_unknown_or_invisible_messages_fail_alike_and_move_nothing()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var own = await harness.CreateDirectAsync("mallory", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (bob, _) = await harness.ConnectAsync("bob");
        var (mallory, _) = await harness.ConnectAsync("mallory");
        var secret = await alice.SendAsync(EventWaits.Text(conversation, "secret"), Ct);
        var visible = await bob.SendAsync(EventWaits.Text(own, "hello mallory"), Ct);

        var invisible = await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await mallory.AckAsync([visible.Message.MessageId, secret.Message.MessageId], ReceiptStatus.Read, Ct));
        var unknown = await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await mallory.AckAsync(["no-such-message"], ReceiptStatus.Read, Ct));
        var upTo = await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await mallory.AckUpToAsync(conversation, 1, ReceiptStatus.Read, Ct));
        var missing = await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await mallory.AckUpToAsync("no-such-conversation", 1, ReceiptStatus.Read, Ct));

        Assert.Equal(invisible.Message, unknown.Message);
        Assert.Equal(upTo.Message, missing.Message);
        Assert.Equal(Watermark.None, await harness.Receipts.GetUserAsync(conversation, "mallory", Ct));
        Assert.Equal(0, (await harness.Receipts.GetUserAsync(own, "mallory", Ct)).ReadUpTo);
    }

    [Fact]
    public async Task An_ack_with_the_sent_status_is_a_bad_request()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (bob, _) = await harness.ConnectAsync("bob");

        var error = await Assert.ThrowsAsync<MessagingValidationException>(async () => await bob.AckUpToAsync(conversation, 1, ReceiptStatus.Sent, Ct));

        Assert.Equal(MessagingErrorKind.BadRequest, error.Kind);
    }

    [Fact]
    public async Task Message_receipts_are_for_the_sender_only_and_list_every_other_member()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateGroupAsync("alice", "bob", "carol");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (bob, _) = await harness.ConnectAsync("bob");
        var message = (await alice.SendAsync(EventWaits.Text(conversation, "hi"), Ct)).Message;
        harness.Time.Advance(TimeSpan.FromMinutes(1));
        await bob.AckUpToAsync(conversation, 1, ReceiptStatus.Delivered, Ct);
        harness.Time.Advance(TimeSpan.FromMinutes(1));
        await bob.AckUpToAsync(conversation, 1, ReceiptStatus.Read, Ct);

        var receipts = await harness.Engine.GetReceiptsAsync("alice", message.MessageId, Ct);
        var notSender = await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await harness.Engine.GetReceiptsAsync("bob", message.MessageId, Ct));
        var unknown = await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await harness.Engine.GetReceiptsAsync("alice", "no-such-message", Ct));

        Assert.Equal(notSender.Message, unknown.Message);
        Assert.Equal(["bob", "carol"], receipts.Receipts.Select(r => r.UserId));
        var start = message.Timestamp;
        Assert.Equal((start.AddMinutes(1), start.AddMinutes(2)), (receipts.Receipts[0].DeliveredAt, receipts.Receipts[0].ReadAt));
        Assert.Equal((null, null), (receipts.Receipts[1].DeliveredAt, receipts.Receipts[1].ReadAt));
    }

    [Fact]
    public async Task In_a_group_concurrent_acks_of_different_members_each_read_after_both_wrote_and_the_status_is_not_lost()
    {
        // Every read of the members' marks waits until bob's and carol's acks were both written: the interleaving in
        // which neither ack saw the other's mark when it wrote its own.
        var gate = new AfterBothAcks(new InMemoryReceiptStore(), "bob", "carol");
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s.AddSingleton<IReceiptStore>(gate));
        var conversation = await harness.CreateGroupAsync("alice", "bob", "carol");
        var (alice, aliceConnection) = await harness.ConnectAsync("alice");
        var (bob, _) = await harness.ConnectAsync("bob");
        var (carol, _) = await harness.ConnectAsync("carol");
        var message = (await alice.SendAsync(EventWaits.Text(conversation, "hi all"), Ct)).Message;

        await Task.WhenAll(
            bob.AckUpToAsync(conversation, 1, ReceiptStatus.Delivered, Ct).AsTask(),
            carol.AckUpToAsync(conversation, 1, ReceiptStatus.Delivered, Ct).AsTask()).WaitAsync(EngineHarness.Timeout, Ct);
        await aliceConnection.WaitForStatusAsync(ReceiptStatus.Delivered, 1);

        // Both readers saw both marks: each may publish, never for another message, and never read.
        var statuses = aliceConnection.Events.OfType<StatusEvent>().Where(s => s.Status != ReceiptStatus.Sent).ToList();
        Assert.InRange(statuses.Count, 1, 2);
        Assert.All(statuses, s => Assert.Equal((message.MessageId, ReceiptStatus.Delivered), (s.MessageId, s.Status)));
    }

    // A real receipt store whose reads of a conversation's marks wait until both users advanced a real device.
    private sealed class AfterBothAcks(IReceiptStore inner, string first, string second) : IReceiptStore
    {
        private readonly TaskCompletionSource _firstAcked = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _secondAcked = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask<Watermark> AdvanceAsync(string conversationId, string userId, string deviceId, long deliveredUpTo, long readUpTo, DateTimeOffset at, CancellationToken cancellationToken = default)
        {
            var before = await inner.AdvanceAsync(conversationId, userId, deviceId, deliveredUpTo, readUpTo, at, cancellationToken);
            if (deviceId != ReservedDeviceIds.Sender)
            {
                (userId == first ? _firstAcked : userId == second ? _secondAcked : null)?.TrySetResult();
            }

            return before;
        }

        public ValueTask<Watermark> GetDeviceAsync(string conversationId, string userId, string deviceId, CancellationToken cancellationToken = default)
            => inner.GetDeviceAsync(conversationId, userId, deviceId, cancellationToken);

        public async ValueTask<Watermark> GetUserAsync(string conversationId, string userId, CancellationToken cancellationToken = default)
        {
            await Task.WhenAll(_firstAcked.Task, _secondAcked.Task).WaitAsync(cancellationToken);
            return await inner.GetUserAsync(conversationId, userId, cancellationToken);
        }

        public async ValueTask<IReadOnlyList<Watermark>> GetMembersAsync(string conversationId, IReadOnlyList<string> userIds, CancellationToken cancellationToken = default)
        {
            await Task.WhenAll(_firstAcked.Task, _secondAcked.Task).WaitAsync(cancellationToken);
            return await inner.GetMembersAsync(conversationId, userIds, cancellationToken);
        }

        public ValueTask<IReadOnlyList<Watermark>> GetDeviceManyAsync(string userId, string deviceId, IReadOnlyList<string> conversationIds, CancellationToken cancellationToken = default)
            => inner.GetDeviceManyAsync(userId, deviceId, conversationIds, cancellationToken);

        public ValueTask<IReadOnlyList<Watermark>> GetUserManyAsync(string userId, IReadOnlyList<string> conversationIds, CancellationToken cancellationToken = default)
            => inner.GetUserManyAsync(userId, conversationIds, cancellationToken);

        public async ValueTask<IReadOnlyList<MemberWatermark>> GetAllAsync(string conversationId, CancellationToken cancellationToken = default)
        {
            await Task.WhenAll(_firstAcked.Task, _secondAcked.Task).WaitAsync(cancellationToken);
            return await inner.GetAllAsync(conversationId, cancellationToken);
        }
    }
}
