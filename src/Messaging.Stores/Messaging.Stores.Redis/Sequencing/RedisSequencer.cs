using Messaging.Redis;
using StackExchange.Redis;

namespace Messaging.Stores.Redis;

/// <summary>An <see cref="ISequencer"/> on Redis counters (one per conversation, <c>INCR</c>), fenced against a message store.</summary>
/// <remarks>
/// <para>
/// Guarantees: seqs of a conversation are handed out once each and in increasing order, also across nodes and
/// after a Redis restart that lost recent writes. How: every <see cref="NextAsync"/> runs a script that compares the
/// conversation's fence mark with the Redis server's <c>run_id</c>, which changes with every server start (and on a
/// failover to a replica). When they differ the counter has not been checked since the server started, so the
/// sequencer first raises it to the fence source's <see cref="IMessageStore.GetLastSeqAsync"/> and marks it with the
/// current <c>run_id</c>; only then is a seq handed out. A flush (<c>FLUSHALL</c>) removes the mark with the counter, so
/// a flushed counter is fenced the same way before its next seq (in the tiered deployment against the durable store's
/// last seq). <see cref="FenceAsync"/> raises a counter atomically (a Lua <c>max</c>), never lowers it.
/// </para>
/// <para>
/// Limits: without a fence source a restart that lost the counter restarts it from what Redis still holds. The fence
/// needs <c>INFO</c> to be allowed in scripts (it is on stock Redis). A seq handed out but never stored leaves a gap
/// that the engine fills with a tombstone.
/// </para>
/// </remarks>
public sealed class RedisSequencer : ISequencer
{
    private readonly RedisStoreContext _context;
    private readonly IMessageStore? _fenceSource;

    /// <summary>Creates a sequencer on a multiplexer owned by the host (never disposed by the sequencer).</summary>
    /// <param name="multiplexer">The connection to Redis.</param>
    /// <param name="fenceSource">The durable message store whose last seq bounds every counter from below after a restart; none when <see langword="null"/>.</param>
    public RedisSequencer(IConnectionMultiplexer multiplexer, IMessageStore? fenceSource = null)
        : this(RedisStoreContext.Create(RedisConnection.Borrow(multiplexer, null), null), fenceSource)
    {
    }

    internal RedisSequencer(RedisStoreContext context, IMessageStore? fenceSource)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _fenceSource = fenceSource;
    }

    /// <inheritdoc />
    public ValueTask<long> NextAsync(string conversationId, CancellationToken cancellationToken = default)
        => RunFencedAsync(conversationId, "next", cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> CurrentAsync(string conversationId, CancellationToken cancellationToken = default)
        => RunFencedAsync(conversationId, "current", cancellationToken);

    /// <inheritdoc />
    public async ValueTask FenceAsync(string conversationId, long seq, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        await FenceCoreAsync(database, conversationId, seq, markRun: false, cancellationToken).ConfigureAwait(false);
    }

    private static Task<RedisResult> FenceCoreAsync(IDatabase database, string conversationId, long seq, bool markRun, CancellationToken cancellationToken)
        => RedisStoreContext.Guard(
            RedisScripts.SequencerFence.EvaluateAsync(database, [RedisKeys.Counter(conversationId), RedisKeys.CounterFence(conversationId)], [seq, markRun ? "1" : "0"]),
            cancellationToken);

    private async ValueTask<long> RunFencedAsync(string conversationId, string mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        RedisKey[] keys = [RedisKeys.Counter(conversationId), RedisKeys.CounterFence(conversationId)];
        while (true)
        {
            var result = (long)await RedisStoreContext.Guard(RedisScripts.SequencerNext.EvaluateAsync(database, keys, [mode]), cancellationToken).ConfigureAwait(false);
            if (result >= 0)
            {
                return result;
            }

            // Not fenced since the server started: raise the counter to the store's last seq, mark it, retry. Several
            // nodes may do this at once; raising is idempotent and nobody takes a seq before one fence completed.
            var last = _fenceSource is null ? 0 : await _fenceSource.GetLastSeqAsync(conversationId, cancellationToken).ConfigureAwait(false);
            await FenceCoreAsync(database, conversationId, last, markRun: true, cancellationToken).ConfigureAwait(false);
        }
    }
}
