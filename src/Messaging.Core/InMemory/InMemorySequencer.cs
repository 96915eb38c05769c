using System.Collections.Concurrent;

namespace Messaging;

/// <summary>An <see cref="ISequencer"/> held in process memory: one atomic counter per conversation.</summary>
/// <remarks>
/// <para>
/// Guarantees: seqs of a conversation are handed out once each, in increasing order, without gaps while the process
/// lives, also under concurrent callers; <see cref="FenceAsync"/> only ever raises a counter.
/// </para>
/// <para>
/// When constructed with a message store, each conversation's counter is fenced to the store's last seq before its
/// first seq is handed out, so a restarted process never reuses a seq a durable store already holds.
/// </para>
/// <para>Limits: one process only; counters are lost on restart (hence the fence against the store).</para>
/// </remarks>
public sealed class InMemorySequencer : ISequencer
{
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    private readonly IMessageStore? _store;

    /// <summary>Creates a sequencer whose counters start at 0.</summary>
    public InMemorySequencer()
    {
    }

    /// <summary>Creates a sequencer that fences each conversation against the store's last seq on first use.</summary>
    /// <param name="store">The store whose <see cref="IMessageStore.GetLastSeqAsync"/> is the lower bound of every counter.</param>
    public InMemorySequencer(IMessageStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <inheritdoc />
    public async ValueTask<long> NextAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        var counter = await GetCounterAsync(conversationId, cancellationToken).ConfigureAwait(false);
        return Interlocked.Increment(ref counter.Value);
    }

    /// <inheritdoc />
    public async ValueTask<long> CurrentAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        var counter = await GetCounterAsync(conversationId, cancellationToken).ConfigureAwait(false);
        return Volatile.Read(ref counter.Value);
    }

    /// <inheritdoc />
    public async ValueTask FenceAsync(string conversationId, long seq, CancellationToken cancellationToken = default)
    {
        var counter = await GetCounterAsync(conversationId, cancellationToken).ConfigureAwait(false);
        counter.RaiseTo(seq);
    }

    private async ValueTask<Counter> GetCounterAsync(string conversationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        cancellationToken.ThrowIfCancellationRequested();
        var counter = _counters.GetOrAdd(conversationId, static _ => new Counter());
        if (_store is not null && !Volatile.Read(ref counter.Fenced))
        {
            // Concurrent first callers may all read the store; raising is idempotent, and nobody takes a seq
            // before at least one fence has completed.
            var last = await _store.GetLastSeqAsync(conversationId, cancellationToken).ConfigureAwait(false);
            counter.RaiseTo(last);
            Volatile.Write(ref counter.Fenced, true);
        }

        return counter;
    }

    private sealed class Counter
    {
        public long Value;
        public bool Fenced;

        public void RaiseTo(long seq) => AtomicMax.RaiseTo(ref Value, seq);
    }
}
