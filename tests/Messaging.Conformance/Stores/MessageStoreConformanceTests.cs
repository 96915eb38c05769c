using FsCheck.Fluent;
using Xunit;

namespace Messaging.Conformance;

/// <summary>
/// The laws of <see cref="IMessageStore"/> (and <see cref="IAtomicSequencingStore"/> when declared): one uniqueness
/// rule, <c>(conversation, seq)</c>, with insert-if-absent appends that report the holder of a taken seq; get by
/// seq; ordered and bounded range reads; tombstones stored like any message; a history start that says which seqs
/// are gone for good. Client message ids are not the store's concern (see <see cref="DeduplicationStoreConformanceTests"/>),
/// except in the atomic step. Inherit and supply <see cref="CreateAsync"/> (and <see cref="CreateWithRetentionAsync"/>
/// for an adapter that declares <see cref="AdapterCapabilities.Retention"/>).
/// </summary>
/// <remarks>
/// Capabilities read: <see cref="AdapterCapabilities.AtomicSequencing"/>, <see cref="AdapterCapabilities.SurvivesRestart"/>,
/// <see cref="AdapterCapabilities.MultiNode"/>, <see cref="AdapterCapabilities.Retention"/>.
/// </remarks>
public abstract class MessageStoreConformanceTests : ConformanceSuite
{
    private static readonly TimeSpan Window = TimeSpan.FromDays(7);
    private static readonly DateTimeOffset Epoch = new(2024, 1, 15, 10, 30, 0, TimeSpan.Zero);

    /// <summary>Creates a message store. With <see cref="AdapterCapabilities.SurvivesRestart"/> or <see cref="AdapterCapabilities.MultiNode"/>, instances share their data.</summary>
    /// <returns>The store under test.</returns>
    protected abstract ValueTask<IMessageStore> CreateAsync();

    /// <summary>
    /// Creates a message store that keeps only the newest <paramref name="retention"/> messages of each conversation.
    /// Called only when the adapter declares <see cref="AdapterCapabilities.Retention"/>.
    /// </summary>
    /// <param name="retention">How many messages to keep per conversation.</param>
    /// <returns>The store under test.</returns>
    protected virtual ValueTask<IMessageStore> CreateWithRetentionAsync(int retention)
        => throw new NotSupportedException($"Declare {nameof(AdapterCapabilities)}.{nameof(AdapterCapabilities.Retention)} only with an override of {nameof(CreateWithRetentionAsync)}.");

    /// <summary>A message as the engine would append it.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="seq">The seq.</param>
    /// <param name="senderId">The sender (default <c>alice</c>).</param>
    /// <param name="clientMsgId">The client message id (default: a new one).</param>
    /// <param name="kind">The kind.</param>
    /// <returns>The message.</returns>
    protected static Message NewMessage(string conversationId, long seq, string senderId = "alice", string? clientMsgId = null, MessageKind kind = MessageKind.Text)
        => new()
        {
            ConversationId = conversationId,
            Seq = seq,
            MessageId = Guid.CreateVersion7().ToString(),
            SenderId = senderId,
            ClientMsgId = clientMsgId ?? NewId("cmid"),
            Content = $"message {seq} from {senderId}",
            Timestamp = Epoch.AddSeconds(seq),
            Kind = kind,
        };

    /// <summary>Declared capabilities match the interfaces the store implements.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Declared_atomic_sequencing_matches_the_implemented_interface()
    {
        var store = await NewStoreAsync();
        Assert.Equal(Capabilities.AtomicSequencing, store is IAtomicSequencingStore);
    }

    /// <summary>An appended message is found at its seq and by range reads, and moves the last seq.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Appended_message_is_found_at_its_seq_and_by_range_reads()
    {
        var store = await NewStoreAsync();
        var conversation = NewId("conv");
        var message = NewMessage(conversation, 1) with { MediaId = "media-1", Kind = MessageKind.Media };

        var result = await store.AppendAsync(message, Token);

        Assert.Equal(AppendOutcome.Appended, result.Outcome);
        Assert.Equal(new AppendResult(AppendOutcome.Appended, message), result);
        Assert.Equal(message, await store.GetAsync(conversation, 1, Token));
        Assert.Null(await store.GetAsync(conversation, 2, Token));
        Assert.Equal([message], await store.ReadAfterAsync(conversation, 0, 10, Token));
        Assert.Equal([message], await store.ReadBeforeAsync(conversation, 2, 10, Token));
        Assert.Equal(1, await store.GetLastSeqAsync(conversation, Token));
    }

    /// <summary>Unknown conversations and ids read as empty, not as errors.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Unknown_conversation_reads_as_empty()
    {
        var store = await NewStoreAsync();
        var conversation = NewId("conv");

        Assert.Equal(0, await store.GetLastSeqAsync(conversation, Token));
        Assert.Empty(await store.ReadAfterAsync(conversation, 0, 10, Token));
        Assert.Empty(await store.ReadBeforeAsync(conversation, long.MaxValue, 10, Token));
        Assert.Null(await store.GetAsync(conversation, 1, Token));
    }

    /// <summary>
    /// Law: the store has one uniqueness rule: a message that repeats another's sender and client message id at a free
    /// seq is stored (de-duplication is <see cref="IDeduplicationStore"/>'s role).
    /// </summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Only_the_seq_is_unique_not_the_client_msg_id()
    {
        var store = await NewStoreAsync();
        var shape = from originalSeq in Gen.Choose(1, 20)
                    from otherSeqOffset in Gen.Choose(1, 20)
                    select (originalSeq, otherSeq: originalSeq + otherSeqOffset);

        await Laws.CheckAsync(shape, async s =>
        {
            var conversation = NewId("conv");
            var original = NewMessage(conversation, s.originalSeq);
            Assert.Equal(AppendOutcome.Appended, (await store.AppendAsync(original, Token)).Outcome);

            var same = NewMessage(conversation, s.otherSeq, original.SenderId, original.ClientMsgId);
            Assert.Equal(new AppendResult(AppendOutcome.Appended, same), await store.AppendAsync(same, Token));
            Assert.Equal([original, same], await store.ReadAfterAsync(conversation, 0, 100, Token));
            Assert.Equal(s.otherSeq, await store.GetLastSeqAsync(conversation, Token));
        }, maxTest: 30);
    }

    /// <summary>A taken seq is reported and the message holding it is kept.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Taken_seq_is_reported_and_the_stored_message_is_kept()
    {
        var store = await NewStoreAsync();
        var conversation = NewId("conv");
        var first = NewMessage(conversation, 1);
        await store.AppendAsync(first, Token);

        var second = NewMessage(conversation, 1, "bob");
        var result = await store.AppendAsync(second, Token);

        Assert.Equal(new AppendResult(AppendOutcome.SeqTaken, first), result);
        Assert.Equal([first], await store.ReadAfterAsync(conversation, 0, 10, Token));
        Assert.Equal(first, await store.GetAsync(conversation, 1, Token));

        // A retried append of the stored message itself finds it holding the seq: the writer knows it committed.
        Assert.Equal(new AppendResult(AppendOutcome.SeqTaken, first), await store.AppendAsync(first, Token));
    }

    /// <summary>Law: concurrent appends of one seq store exactly one message, and every other writer is told which.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Concurrent_appends_keep_the_seq_unique()
    {
        var store = await NewStoreAsync();
        await Laws.CheckAsync(Gen.Choose(2, 12), async writers =>
        {
            var conversation = NewId("conv");
            var sameSeq = await Task.WhenAll(Enumerable.Range(0, writers).Select(i =>
                Task.Run(() => store.AppendAsync(NewMessage(conversation, 1, $"sender{i}"), Token).AsTask())));
            var winner = Assert.Single(sameSeq, r => r.Outcome == AppendOutcome.Appended).Existing;
            Assert.NotNull(winner);
            Assert.All(sameSeq.Where(r => r.Outcome != AppendOutcome.Appended), r => Assert.Equal(new AppendResult(AppendOutcome.SeqTaken, winner), r));
            Assert.Equal([winner], await store.ReadAfterAsync(conversation, 0, 100, Token));
        }, maxTest: 30);
    }

    /// <summary>Law: range reads return the requested window, ascending after a seq and descending before one, whatever the append order.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Range_reads_are_ordered_bounded_and_limited_whatever_the_append_order()
    {
        var store = await NewStoreAsync();
        var shape = from count in Gen.Choose(0, 30)
                    from order in Gen.Shuffle(Enumerable.Range(1, count).ToArray())
                    from bound in Gen.Choose(0, count + 2)
                    from limit in Gen.Choose(1, 12)
                    select (count, order, bound, limit);

        await Laws.CheckAsync(shape, async s =>
        {
            var conversation = NewId("conv");
            foreach (var seq in s.order)
            {
                await store.AppendAsync(NewMessage(conversation, seq), Token);
            }

            var after = await store.ReadAfterAsync(conversation, s.bound, s.limit, Token);
            var before = await store.ReadBeforeAsync(conversation, s.bound, s.limit, Token);

            Assert.Equal(Enumerable.Range(1, s.count).Where(q => q > s.bound).Take(s.limit).Select(q => (long)q), after.Select(m => m.Seq));
            Assert.Equal(Enumerable.Range(1, s.count).Where(q => q < s.bound).Reverse().Take(s.limit).Select(q => (long)q), before.Select(m => m.Seq));
            Assert.All(after.Concat(before), m => Assert.Equal(conversation, m.ConversationId));
            Assert.Equal(s.count, await store.GetLastSeqAsync(conversation, Token));
        }, maxTest: 40);
    }

    /// <summary>Tombstones occupy their seq and are returned by range reads like any message.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Tombstones_fill_their_seq_and_are_returned_by_range_reads()
    {
        var store = await NewStoreAsync();
        var conversation = NewId("conv");
        var text = NewMessage(conversation, 1);
        var tombstone = NewMessage(conversation, 2, "alice") with { Kind = MessageKind.Tombstone, Content = "" };
        var next = NewMessage(conversation, 3);

        foreach (var message in new[] { text, tombstone, next })
        {
            Assert.Equal(AppendOutcome.Appended, (await store.AppendAsync(message, Token)).Outcome);
        }

        Assert.Equal([text, tombstone, next], await store.ReadAfterAsync(conversation, 0, 10, Token));
        Assert.Equal(AppendOutcome.SeqTaken, (await store.AppendAsync(NewMessage(conversation, 2, "bob"), Token)).Outcome);
    }

    /// <summary>Law: concurrent atomic sends get 1..n without gaps; a retried client message id gets the original.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Atomic_sequencing_is_gap_free_under_concurrency_and_idempotent()
    {
        Require(Capabilities.AtomicSequencing, nameof(AdapterCapabilities.AtomicSequencing), "de-duplicate, sequence and append in one step.");
        var store = await NewStoreAsync();
        var atomic = (IAtomicSequencingStore)store;
        var shape = from senders in Gen.Choose(1, 6)
                    from perSender in Gen.Choose(1, 10)
                    from retries in Gen.Choose(0, 3)
                    select (senders, perSender, retries);

        await Laws.CheckAsync(shape, async s =>
        {
            var conversation = NewId("conv");
            var drafts = Enumerable.Range(0, s.senders)
                .SelectMany(sender => Enumerable.Range(0, s.perSender).Select(_ => NewMessage(conversation, 0, $"sender{sender}")))
                .ToArray();
            var results = await Task.WhenAll(Enumerable.Range(0, s.senders).Select(sender => Task.Run(async () =>
            {
                var mine = new List<AppendResult>();
                foreach (var draft in drafts.Where(d => d.SenderId == $"sender{sender}"))
                {
                    for (var attempt = 0; attempt <= s.retries; attempt++)
                    {
                        mine.Add(await atomic.SequenceAndAppendAsync(draft with { MessageId = Guid.CreateVersion7().ToString() }, Window, Token));
                    }
                }

                return mine;
            })));

            var all = results.SelectMany(r => r).ToList();
            var stored = all.Where(r => r.Outcome == AppendOutcome.Appended).Select(r => r.Existing!).ToList();
            Assert.Equal(drafts.Length, stored.Count);
            Assert.Equal(Enumerable.Range(1, drafts.Length).Select(i => (long)i), stored.Select(m => m.Seq).Order());
            Assert.All(all.Where(r => r.Outcome != AppendOutcome.Appended), r =>
            {
                Assert.Equal(AppendOutcome.DuplicateClientMessage, r.Outcome);
                Assert.Contains(r.Existing, stored);
            });
            Assert.Equal(stored.OrderBy(m => m.Seq), await store.ReadAfterAsync(conversation, 0, 1000, Token));
        }, maxTest: 30);
    }

    /// <summary>Atomic sequencing continues after messages appended with explicit seqs.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Atomic_sequencing_continues_after_the_last_stored_seq()
    {
        Require(Capabilities.AtomicSequencing, nameof(AdapterCapabilities.AtomicSequencing), "de-duplicate, sequence and append in one step.");
        var store = await NewStoreAsync();
        var conversation = NewId("conv");
        await store.AppendAsync(NewMessage(conversation, 1), Token);
        await store.AppendAsync(NewMessage(conversation, 2), Token);

        var result = await ((IAtomicSequencingStore)store).SequenceAndAppendAsync(NewMessage(conversation, 0), Window, Token);

        Assert.Equal(AppendOutcome.Appended, result.Outcome);
        Assert.Equal(3, result.Existing!.Seq);
    }

    /// <summary>
    /// Law: atomic steps called one after another, each started before the one before it completed, take their seqs in
    /// the order they were called (the engine relies on it to keep a connection's overlapping sends in order).
    /// </summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Atomic_steps_called_one_after_another_take_their_seqs_in_call_order()
    {
        Require(Capabilities.AtomicSequencing, nameof(AdapterCapabilities.AtomicSequencing), "de-duplicate, sequence and append in one step.");
        var atomic = (IAtomicSequencingStore)await NewStoreAsync();
        var conversation = NewId("conv");
        await atomic.SequenceAndAppendAsync(NewMessage(conversation, 0), Window, Token);

        var drafts = Enumerable.Range(0, 20).Select(_ => NewMessage(conversation, 0)).ToArray();
        var steps = drafts.Select(draft => atomic.SequenceAndAppendAsync(draft, Window, Token).AsTask()).ToArray();
        var results = await Task.WhenAll(steps);

        Assert.Equal(drafts.Select(d => d.ClientMsgId), results.OrderBy(r => r.Existing!.Seq).Select(r => r.Existing!.ClientMsgId));
        Assert.Equal(Enumerable.Range(2, drafts.Length).Select(i => (long)i), results.Select(r => r.Existing!.Seq));
    }

    /// <summary>
    /// Law: a store created without a retention keeps everything: the history starts at seq 1 whatever was appended,
    /// in whatever order (and for an unknown conversation), so readers never skip a seq as removed.
    /// </summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task History_starts_at_seq_1_when_nothing_was_removed()
    {
        var store = await NewStoreAsync();
        Assert.Equal(1, await store.GetHistoryStartAsync(NewId("conv"), Token));
        var shape = from count in Gen.Choose(0, 30)
                    from order in Gen.Shuffle(Enumerable.Range(1, count).ToArray())
                    select order;

        await Laws.CheckAsync(shape, async order =>
        {
            var conversation = NewId("conv");
            foreach (var seq in order)
            {
                await store.AppendAsync(NewMessage(conversation, seq), Token);
                Assert.Equal(1, await store.GetHistoryStartAsync(conversation, Token));
            }

            Assert.Equal(order.Length, (await store.ReadAfterAsync(conversation, 0, 100, Token)).Count);
        }, maxTest: 20);
    }

    /// <summary>
    /// Law: with a retention, the history starts at the oldest kept seq: it never decreases, never passes the last
    /// seq plus one, every seq at or above it that was appended is still read, every seq below it reads as gone, and
    /// a removed seq is never stored again.
    /// </summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task History_start_moves_to_the_oldest_kept_seq_as_retention_removes_messages()
    {
        Require(Capabilities.Retention, nameof(AdapterCapabilities.Retention), "the history start follows what a retention removed.");
        var shape = from retention in Gen.Choose(1, 6)
                    from count in Gen.Choose(0, 25)
                    select (retention, count);

        await Laws.CheckAsync(shape, async s =>
        {
            var store = Track(await CreateWithRetentionAsync(s.retention));
            var conversation = NewId("conv");
            var historyStart = 1L;
            for (var seq = 1; seq <= s.count; seq++)
            {
                await store.AppendAsync(NewMessage(conversation, seq), Token);
                var now = await store.GetHistoryStartAsync(conversation, Token);
                Assert.InRange(now, historyStart, seq + 1);
                historyStart = now;
            }

            var expectedStart = Math.Max(1, s.count - s.retention + 1);
            Assert.Equal(expectedStart, historyStart);
            var kept = await store.ReadAfterAsync(conversation, 0, 100, Token);
            Assert.Equal(Enumerable.Range(expectedStart, s.count - expectedStart + 1).Select(q => (long)q), kept.Select(m => m.Seq));
            Assert.Equal(s.count, await store.GetLastSeqAsync(conversation, Token));
            if (expectedStart > 1)
            {
                Assert.Empty(await store.ReadBeforeAsync(conversation, expectedStart, 10, Token));
                Assert.Equal(AppendOutcome.SeqTaken, (await store.AppendAsync(NewMessage(conversation, expectedStart - 1, "bob"), Token)).Outcome);
                Assert.Equal(expectedStart, await store.GetHistoryStartAsync(conversation, Token));
            }
        }, maxTest: 20);
    }

    /// <summary>Atomic sequencing after a retention removed messages continues after the last seq, never reusing a removed one.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Atomic_sequencing_continues_after_the_last_seq_when_retention_removed_messages()
    {
        Require(Capabilities.Retention, nameof(AdapterCapabilities.Retention), "a retention never makes a removed seq reusable.");
        Require(Capabilities.AtomicSequencing, nameof(AdapterCapabilities.AtomicSequencing), "de-duplicate, sequence and append in one step.");
        var store = Track(await CreateWithRetentionAsync(2));
        var conversation = NewId("conv");
        for (var i = 0; i < 5; i++)
        {
            await ((IAtomicSequencingStore)store).SequenceAndAppendAsync(NewMessage(conversation, 0), Window, Token);
        }

        Assert.Equal(4, await store.GetHistoryStartAsync(conversation, Token));
        var next = await ((IAtomicSequencingStore)store).SequenceAndAppendAsync(NewMessage(conversation, 0), Window, Token);
        Assert.Equal(6, next.Existing!.Seq);
        Assert.Equal([5L, 6L], (await store.ReadAfterAsync(conversation, 0, 10, Token)).Select(m => m.Seq));
    }

    /// <summary>Messages survive a restart of the store.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Messages_survive_a_restart()
    {
        Require(Capabilities.SurvivesRestart, nameof(AdapterCapabilities.SurvivesRestart), "appended messages are durable across a restart.");
        var conversation = NewId("conv");
        var message = NewMessage(conversation, 1);
        var first = await CreateAsync();
        await first.AppendAsync(message, Token);
        await DisposeAdapterAsync(first);

        var second = await NewStoreAsync();
        Assert.Equal([message], await second.ReadAfterAsync(conversation, 0, 10, Token));
        Assert.Equal(new AppendResult(AppendOutcome.SeqTaken, message), await second.AppendAsync(NewMessage(conversation, 1, "bob"), Token));
    }

    /// <summary>Two live instances (two nodes) see each other's appends and uniqueness holds across them.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Two_nodes_share_messages_and_uniqueness()
    {
        Require(Capabilities.MultiNode, nameof(AdapterCapabilities.MultiNode), "stores on two nodes enforce one uniqueness.");
        var (a, b) = (await NewStoreAsync(), await NewStoreAsync());
        var conversation = NewId("conv");
        var message = NewMessage(conversation, 1);
        await a.AppendAsync(message, Token);

        Assert.Equal(message, await b.GetAsync(conversation, 1, Token));
        Assert.Equal(AppendOutcome.SeqTaken, (await b.AppendAsync(NewMessage(conversation, 1, "bob"), Token)).Outcome);
    }

    private async Task<IMessageStore> NewStoreAsync() => Track(await CreateAsync());
}
