using Messaging.Stores.Redis;
using StackExchange.Redis;
using Xunit;

namespace Messaging.Redis.Tests.Tiered;

/// <summary>
/// The tiered message store with a real Redis server as the hot window and the in-memory message store as the durable
/// tier: a real adapter standing in for Cassandra in a single process (the same store of truth role, so the tiering
/// logic is what is under test; the live Cassandra tests run the same deployment against a real node).
/// </summary>
public sealed class TieredMessageStoreTests(PrivateRedisFixture redis) : IClassFixture<PrivateRedisFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reads_spanning_both_tiers_return_the_durable_history_and_recent_ranges_come_from_the_hot_window()
    {
        var durable = new RecordingStore(new InMemoryMessageStore());
        var hot = new RedisMessageStore(redis.Multiplexer, new RedisStoreOptions { MessageRetention = 5 });
        var store = new TieredMessageStore(durable, hot);
        var conversation = NewId();
        for (var seq = 1; seq <= 12; seq++)
        {
            Assert.Equal(AppendOutcome.Appended, (await store.AppendAsync(NewMessage(conversation, seq), Token)).Outcome);
        }

        // The window holds the newest five only.
        Assert.Equal(new long[] { 8L, 9, 10, 11, 12 }, Seqs(await hot.ReadAfterAsync(conversation, 0, 100, Token)));
        durable.Reads = 0;

        Assert.Equal(new long[] { 9L, 10, 11 }, Seqs(await store.ReadAfterAsync(conversation, 8, 3, Token)));
        Assert.Equal(new long[] { 11L, 10, 9, 8 }, Seqs(await store.ReadBeforeAsync(conversation, 12, 4, Token)));
        Assert.Equal(10, (await store.GetAsync(conversation, 10, Token))!.Seq);
        Assert.Equal(0, durable.Reads);

        Assert.Equal(Enumerable.Range(1, 12).Select(s => (long)s), Seqs(await store.ReadAfterAsync(conversation, 0, 100, Token)));
        Assert.Equal(new long[] { 6L, 7, 8, 9, 10 }, Seqs(await store.ReadAfterAsync(conversation, 5, 5, Token)));
        Assert.Equal(Enumerable.Range(1, 12).Reverse().Select(s => (long)s), Seqs(await store.ReadBeforeAsync(conversation, long.MaxValue, 100, Token)));
        Assert.Equal(new long[] { 9L, 8, 7, 6 }, Seqs(await store.ReadBeforeAsync(conversation, 10, 4, Token)));
        Assert.Equal(3, (await store.GetAsync(conversation, 3, Token))!.Seq);
        Assert.Null(await store.GetAsync(conversation, 13, Token));
        Assert.Equal(12, await store.GetLastSeqAsync(conversation, Token));
        Assert.True(durable.Reads > 0);
    }

    [Fact]
    public async Task A_seq_missing_from_the_hot_window_is_read_from_the_durable_store_and_written_back()
    {
        var durable = new InMemoryMessageStore();
        var hot = new RedisMessageStore(redis.Multiplexer);
        var store = new TieredMessageStore(durable, hot);
        var conversation = NewId();
        for (var seq = 1; seq <= 6; seq++)
        {
            await store.AppendAsync(NewMessage(conversation, seq), Token);
        }

        // A hot write that did not happen: one inside the window and the newest one.
        var database = redis.Multiplexer.GetDatabase();
        await database.SortedSetRemoveRangeByScoreAsync(RedisKeys.Messages(conversation), 3, 3);
        await database.SortedSetRemoveRangeByScoreAsync(RedisKeys.Messages(conversation), 6, 6);
        Assert.Equal(new long[] { 1L, 2, 4, 5 }, Seqs(await hot.ReadAfterAsync(conversation, 0, 100, Token)));

        Assert.Equal(new long[] { 1L, 2, 3, 4, 5, 6 }, Seqs(await store.ReadAfterAsync(conversation, 0, 100, Token)));

        // The read repaired the window.
        Assert.Equal(new long[] { 1L, 2, 3, 4, 5, 6 }, Seqs(await hot.ReadAfterAsync(conversation, 0, 100, Token)));

        // The newest seq missing again: a read of the newest messages (no upper bound) still starts with it.
        await database.SortedSetRemoveRangeByScoreAsync(RedisKeys.Messages(conversation), 6, 6);
        await database.SortedSetRemoveRangeByScoreAsync(RedisKeys.Messages(conversation), 4, 4);
        Assert.Equal(4, (await store.GetAsync(conversation, 4, Token))!.Seq);
        Assert.Equal(new long[] { 6L, 5, 4, 3 }, Seqs(await store.ReadBeforeAsync(conversation, long.MaxValue, 4, Token)));
        Assert.Equal(new long[] { 5L, 4, 3 }, Seqs(await store.ReadBeforeAsync(conversation, 6, 3, Token)));
        Assert.Equal(new long[] { 1L, 2, 3, 4, 5, 6 }, Seqs(await hot.ReadAfterAsync(conversation, 0, 100, Token)));
    }

    [Fact]
    public async Task A_failed_hot_write_never_fails_the_append_and_reads_fall_back_to_the_durable_store()
    {
        var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync(o => o.BacklogPolicy = BacklogPolicy.FailFast);
        var logger = new RecordingLogger<TieredMessageStore>();
        var durable = new InMemoryMessageStore();
        var store = new TieredMessageStore(durable, new RedisMessageStore(connection), logger);
        var conversation = NewId();
        await store.AppendAsync(NewMessage(conversation, 1), Token);

        await server.DisposeAsync();

        var second = NewMessage(conversation, 2);
        var appended = await store.AppendAsync(second, Token);
        Assert.Equal(AppendOutcome.Appended, appended.Outcome);
        Assert.Equal(second.MessageId, (await durable.GetAsync(conversation, 2, Token))!.MessageId);
        Assert.Contains(logger.Entries, e => e.EventId == 1650);

        // The durable store answers every read while the hot window is down, and a taken seq is still taken.
        Assert.Equal(new long[] { 1L, 2 }, Seqs(await store.ReadAfterAsync(conversation, 0, 10, Token)));
        Assert.Equal(new long[] { 2L, 1 }, Seqs(await store.ReadBeforeAsync(conversation, long.MaxValue, 10, Token)));
        Assert.Equal(second.MessageId, (await store.GetAsync(conversation, 2, Token))!.MessageId);
        Assert.Equal(2, await store.GetLastSeqAsync(conversation, Token));
        var taken = await store.AppendAsync(NewMessage(conversation, 2), Token);
        Assert.Equal((AppendOutcome.SeqTaken, second.MessageId), (taken.Outcome, taken.Existing!.MessageId));
        Assert.Contains(logger.Entries, e => e.EventId == 1651);
    }

    [Fact]
    public async Task A_durable_append_that_fails_is_the_answer_and_writes_nothing_to_the_hot_window()
    {
        var durable = new InMemoryMessageStore();
        var hot = new RedisMessageStore(redis.Multiplexer);
        var store = new TieredMessageStore(durable, hot);
        var conversation = NewId();
        var first = NewMessage(conversation, 1);
        await durable.AppendAsync(first, Token);

        // The seq is taken in the durable store (the commit point): nothing reaches the window.
        var taken = await store.AppendAsync(NewMessage(conversation, 1), Token);

        Assert.Equal((AppendOutcome.SeqTaken, first.MessageId), (taken.Outcome, taken.Existing!.MessageId));
        Assert.Empty(await hot.ReadAfterAsync(conversation, 0, 10, Token));
        Assert.Equal(first.MessageId, (await store.GetAsync(conversation, 1, Token))!.MessageId);
    }

    [Fact]
    public async Task After_a_flush_the_history_is_read_from_the_durable_store_and_the_sequencer_continues_above_it()
    {
        await using var admin = await redis.Server.ConnectAsync(o => o.AllowAdmin = true);
        var durable = new InMemoryMessageStore();
        var store = new TieredMessageStore(durable, new RedisMessageStore(redis.Multiplexer));
        var sequencer = new RedisSequencer(redis.Multiplexer, store);
        var conversation = NewId();
        for (var i = 0; i < 5; i++)
        {
            await store.AppendAsync(NewMessage(conversation, await sequencer.NextAsync(conversation, Token)), Token);
        }

        await admin.GetServer(admin.GetEndPoints()[0]).FlushAllDatabasesAsync();

        Assert.Equal(new long[] { 1L, 2, 3, 4, 5 }, Seqs(await store.ReadAfterAsync(conversation, 0, 10, Token)));
        var next = await sequencer.NextAsync(conversation, Token);
        Assert.Equal(6, next);
        Assert.Equal(AppendOutcome.Appended, (await store.AppendAsync(NewMessage(conversation, next), Token)).Outcome);
        Assert.Equal(new long[] { 1L, 2, 3, 4, 5, 6 }, Seqs(await store.ReadAfterAsync(conversation, 0, 10, Token)));
        Assert.Equal(new long[] { 6L, 5, 4, 3, 2, 1 }, Seqs(await store.ReadBeforeAsync(conversation, long.MaxValue, 10, Token)));
    }

    private static long[] Seqs(IEnumerable<Message> messages) => [.. messages.Select(m => m.Seq)];

    private static string NewId() => "tiered-" + Guid.NewGuid().ToString("N");

    private static Message NewMessage(string conversationId, long seq) => DurableStandIn.NewMessage(conversationId, seq);

    // The durable tier, counting the reads that reach it (so a test can tell which tier answered).
    private sealed class RecordingStore(IMessageStore inner) : IMessageStore
    {
        private int _reads;

        public int Reads
        {
            get => Volatile.Read(ref _reads);
            set => Volatile.Write(ref _reads, value);
        }

        public ValueTask<AppendResult> AppendAsync(Message message, CancellationToken cancellationToken = default) => inner.AppendAsync(message, cancellationToken);

        public ValueTask<IReadOnlyList<Message>> ReadAfterAsync(string conversationId, long afterSeq, int limit, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _reads);
            return inner.ReadAfterAsync(conversationId, afterSeq, limit, cancellationToken);
        }

        public ValueTask<IReadOnlyList<Message>> ReadBeforeAsync(string conversationId, long beforeSeq, int limit, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _reads);
            return inner.ReadBeforeAsync(conversationId, beforeSeq, limit, cancellationToken);
        }

        public ValueTask<Message?> GetAsync(string conversationId, long seq, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _reads);
            return inner.GetAsync(conversationId, seq, cancellationToken);
        }

        public ValueTask<long> GetLastSeqAsync(string conversationId, CancellationToken cancellationToken = default) => inner.GetLastSeqAsync(conversationId, cancellationToken);

        public ValueTask<long> GetHistoryStartAsync(string conversationId, CancellationToken cancellationToken = default) => inner.GetHistoryStartAsync(conversationId, cancellationToken);
    }
}
