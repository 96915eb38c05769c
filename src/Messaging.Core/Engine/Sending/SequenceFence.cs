using System.Collections.Concurrent;

namespace Messaging;

/// <summary>
/// Raises the sequencer of a conversation to the store's last seq the first time this engine sequences it, and again
/// whenever an append finds its seq taken (a sequencer that lost state after a failover must never hand out a stored
/// seq a second time).
/// </summary>
internal sealed class SequenceFence(IMessageStore messages, ISequencer sequencer)
{
    // Re-fencing is harmless (fences only raise), so the memory of fenced conversations is simply dropped when it grows.
    private const int MaxRemembered = 100_000;

    private readonly ConcurrentDictionary<string, byte> _fenced = new(StringComparer.Ordinal);

    /// <summary>Fences the conversation unless this engine did already.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the fence.</param>
    /// <returns>A task that completes when the fence holds.</returns>
    public async ValueTask EnsureFencedAsync(string conversationId, CancellationToken cancellationToken)
    {
        if (_fenced.ContainsKey(conversationId))
        {
            return;
        }

        await FenceAsync(conversationId, cancellationToken).ConfigureAwait(false);
        if (_fenced.Count >= MaxRemembered)
        {
            _fenced.Clear();
        }

        _fenced.TryAdd(conversationId, 0);
    }

    /// <summary>Raises the sequencer to the store's last seq now.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the fence.</param>
    /// <returns>The store's last seq.</returns>
    public async ValueTask<long> FenceAsync(string conversationId, CancellationToken cancellationToken)
    {
        var last = await messages.GetLastSeqAsync(conversationId, cancellationToken).ConfigureAwait(false);
        await sequencer.FenceAsync(conversationId, last, cancellationToken).ConfigureAwait(false);
        return last;
    }
}
