using System.Collections.Concurrent;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Messaging.Tests.Engine;

public sealed class RecentMessagesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_range_is_read_from_memory_only_when_every_seq_of_it_is_kept()
    {
        var (counted, calls, recent) = await SixStoredAllButThreeRememberedAsync();

        // 4..6 kept: from memory, newest first.
        Assert.Equal([6L, 5L, 4L], (await recent.ReadBeforeAsync(counted, "c", 7, 3, Ct)).Select(m => m.Seq));
        Assert.Empty(calls);

        // 3 was never seen here, beyond the head nothing is known, and another conversation is unknown: the store answers.
        Assert.Equal([5L, 4L, 3L], (await recent.ReadBeforeAsync(counted, "c", 6, 3, Ct)).Select(m => m.Seq));
        Assert.Equal([6L], (await recent.ReadBeforeAsync(counted, "c", 10, 1, Ct)).Select(m => m.Seq));
        Assert.Empty(await recent.ReadBeforeAsync(counted, "other", 5, 2, Ct));
        Assert.Equal(3, calls.Count);

        // Down to seq 1 there is nothing older to miss.
        calls.Clear();
        recent.Remember(Stored("c", 3));
        Assert.Equal([2L, 1L], (await recent.ReadBeforeAsync(counted, "c", 3, 5, Ct)).Select(m => m.Seq));
        Assert.Empty(calls);
    }

    [Fact]
    public async Task A_range_after_a_seq_is_read_from_memory_only_when_every_seq_of_it_is_kept()
    {
        var (counted, calls, recent) = await SixStoredAllButThreeRememberedAsync();

        // 4 and 5 kept: from memory, ascending.
        Assert.Equal([4L, 5L], (await recent.ReadAfterAsync(counted, "c", 3, 2, Ct)).Select(m => m.Seq));
        Assert.Empty(calls);

        // 3 was never seen here, and beyond the head nothing is known: the store answers.
        Assert.Equal([3L, 4L], (await recent.ReadAfterAsync(counted, "c", 2, 2, Ct)).Select(m => m.Seq));
        Assert.Equal([6L], (await recent.ReadAfterAsync(counted, "c", 5, 2, Ct)).Select(m => m.Seq));
        Assert.Equal(2, calls.Count);
    }

    [Fact]
    public void The_remembered_run_below_a_seq_ends_at_the_first_seq_not_remembered()
    {
        var recent = new RecentMessages();
        foreach (var seq in new[] { 6, 1, 5, 2, 4 })
        {
            recent.Remember(Stored("c", seq));
        }

        // 4..6 are consecutive below 7; 3 was never seen here, so the run stops above it.
        Assert.Equal([6L, 5L, 4L], recent.ReadRememberedBefore("c", 7, 8).Select(m => m.Seq));
        Assert.Equal([6L, 5L], recent.ReadRememberedBefore("c", 7, 2).Select(m => m.Seq));
        Assert.Equal([5L, 4L], recent.ReadRememberedBefore("c", 6, 8).Select(m => m.Seq));
        Assert.Equal([2L, 1L], recent.ReadRememberedBefore("c", 3, 8).Select(m => m.Seq));

        // Nothing right below the bound (3 unseen, 7 beyond the head, seq 0 below the first), nothing for a limit of 0,
        // nothing for a conversation never seen.
        Assert.Empty(recent.ReadRememberedBefore("c", 4, 8));
        Assert.Empty(recent.ReadRememberedBefore("c", 8, 8));
        Assert.Empty(recent.ReadRememberedBefore("c", 1, 8));
        Assert.Empty(recent.ReadRememberedBefore("c", 7, 0));
        Assert.Empty(recent.ReadRememberedBefore("other", 7, 8));
    }

    [Fact]
    public async Task Only_the_newest_messages_of_a_conversation_are_kept_whatever_order_they_arrive_in()
    {
        var store = new InMemoryMessageStore();
        var counted = CallCountingProxy<IMessageStore>.Wrap(store, out var calls, everyFlow: true);
        var recent = new RecentMessages();
        var total = RecentMessages.PerConversation + 4;
        foreach (var seq in Enumerable.Range(1, total).Reverse())
        {
            var message = Stored("c", seq);
            await store.AppendAsync(message, Ct);
            recent.Remember(message);
        }

        Assert.Equal(RecentMessages.PerConversation, (await recent.ReadBeforeAsync(counted, "c", total + 1, RecentMessages.PerConversation, Ct)).Count);
        Assert.Empty(calls);
        await recent.ReadBeforeAsync(counted, "c", total + 1, RecentMessages.PerConversation + 1, Ct);
        Assert.Single(calls);
    }

    [Fact]
    public void The_newest_messages_are_kept_whatever_order_they_arrive_in()
        => Prop.ForAll(
                Gen.Choose(1, 3 * RecentMessages.PerConversation).SelectMany(last => Gen.Shuffle(Enumerable.Range(1, last).ToArray())).ToArbitrary(),
                order =>
                {
                    var store = new InMemoryMessageStore();
                    var counted = CallCountingProxy<IMessageStore>.Wrap(store, out var calls, everyFlow: true);
                    var recent = new RecentMessages();
                    foreach (var seq in order)
                    {
                        recent.Remember(Stored("c", seq));
                    }

                    var last = order.Length;
                    var kept = Math.Min(last, RecentMessages.PerConversation);
                    var newestFirst = recent.ReadBeforeAsync(counted, "c", last + 1, kept, CancellationToken.None).AsTask().GetAwaiter().GetResult();
                    var ascending = recent.ReadAfterAsync(counted, "c", last - kept, kept, CancellationToken.None).AsTask().GetAwaiter().GetResult();
                    return calls.Count == 0
                        && newestFirst.Select(m => m.Seq).SequenceEqual(Enumerable.Range(last - kept + 1, kept).Reverse().Select(s => (long)s))
                        && ascending.Select(m => m.Seq).SequenceEqual(Enumerable.Range(last - kept + 1, kept).Select(s => (long)s));
                })
            .QuickCheckThrowOnFailure();

    [Fact]
    public void Memory_answers_exactly_what_the_store_answers()
        => Prop.ForAll(
                Gen.Choose(1, 40).SelectMany(last => Gen.Shuffle(Enumerable.Range(1, last).ToArray()).Select(order => (last, order))).ToArbitrary(),
                Gen.Choose(0, 45).Two().ToArbitrary(),
                (scenario, read) =>
                {
                    var (last, order) = scenario;
                    var (beforeSeq, limit) = read;
                    var store = new InMemoryMessageStore();
                    var recent = new RecentMessages();
                    foreach (var seq in order)
                    {
                        var message = Stored("c", seq);
                        store.AppendAsync(message).AsTask().GetAwaiter().GetResult();
                        if (seq % 7 != 0 || seq == last)
                        {
                            recent.Remember(message);
                        }
                    }

                    var expected = store.ReadBeforeAsync("c", beforeSeq, limit).AsTask().GetAwaiter().GetResult();
                    var actual = recent.ReadBeforeAsync(store, "c", beforeSeq, limit, CancellationToken.None).AsTask().GetAwaiter().GetResult();
                    var expectedAfter = store.ReadAfterAsync("c", beforeSeq, limit).AsTask().GetAwaiter().GetResult();
                    var actualAfter = recent.ReadAfterAsync(store, "c", beforeSeq, limit, CancellationToken.None).AsTask().GetAwaiter().GetResult();
                    return expected.Select(m => m.MessageId).SequenceEqual(actual.Select(m => m.MessageId))
                        && expectedAfter.Select(m => m.MessageId).SequenceEqual(actualAfter.Select(m => m.MessageId));
                })
            .QuickCheckThrowOnFailure();

    [Fact]
    public async Task Replies_and_acks_in_a_direct_conversation_on_one_node_read_no_messages_back_and_every_status_arrives()
    {
        var messages = CallCountingProxy<IMessageStore>.Wrap(new InMemoryMessageStore(), out var messageCalls, everyFlow: true);
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s.AddSingleton(messages));
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, aliceConnection) = await harness.ConnectAsync("alice");
        var (bob, bobConnection) = await harness.ConnectAsync("bob");
        var asked = await alice.SendTextsAsync(conversation, 2);
        await bobConnection.WaitForMessagesAsync(conversation, 2);
        messageCalls.Clear();

        // Bob answers (which reads alice's messages) and acknowledges up to the newest.
        await bob.SendAsync(EventWaits.Text(conversation, "yes"), Ct);
        await bob.AckUpToAsync(conversation, 3, ReceiptStatus.Delivered, Ct);

        await aliceConnection.WaitForStatusAsync(ReceiptStatus.Read, 2);
        await aliceConnection.WaitForStatusAsync(ReceiptStatus.Delivered, 2);
        Assert.DoesNotContain(nameof(IMessageStore.ReadBeforeAsync), messageCalls);
        Assert.DoesNotContain(nameof(IMessageStore.ReadAfterAsync), messageCalls);
        Assert.Equal(asked[1].MessageId, aliceConnection.Events.OfType<StatusEvent>().Single(s => s.Status == ReceiptStatus.Read).MessageId);
    }

    // Seqs 1..6 of conversation "c" in a store whose calls are counted; all but seq 3 remembered.
    private static async Task<(IMessageStore Counted, ConcurrentQueue<string> Calls, RecentMessages Recent)> SixStoredAllButThreeRememberedAsync()
    {
        var store = new InMemoryMessageStore();
        var counted = CallCountingProxy<IMessageStore>.Wrap(store, out var calls, everyFlow: true);
        var recent = new RecentMessages();
        for (var seq = 1; seq <= 6; seq++)
        {
            var message = Stored("c", seq);
            await store.AppendAsync(message, Ct);
            if (seq != 3)
            {
                recent.Remember(message);
            }
        }

        return (counted, calls, recent);
    }

    private static Message Stored(string conversationId, long seq) => new()
    {
        ConversationId = conversationId,
        Seq = seq,
        MessageId = $"{conversationId}-{seq}",
        SenderId = "alice",
        ClientMsgId = $"c{seq}",
        Content = "hi",
        Timestamp = DateTimeOffset.UnixEpoch,
    };
}
