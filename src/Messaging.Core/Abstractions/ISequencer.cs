namespace Messaging;

/// <summary>
/// Hands out per-conversation sequence numbers. Guarantee: a seq is never handed out twice for one conversation, also
/// after a restart or failover (implementations fence against <see cref="IMessageStore.GetLastSeqAsync"/>); seqs
/// are handed out in increasing order.
/// </summary>
public interface ISequencer
{
    /// <summary>Takes the next seq of a conversation.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A seq greater than every seq handed out before.</returns>
    ValueTask<long> NextAsync(string conversationId, CancellationToken cancellationToken = default);

    /// <summary>The highest seq handed out so far, 0 when none.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The current seq.</returns>
    ValueTask<long> CurrentAsync(string conversationId, CancellationToken cancellationToken = default);

    /// <summary>Moves the counter up to at least <paramref name="seq"/> (never down); used to fence after data loss.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="seq">The lowest value the counter may have afterwards.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the fence holds.</returns>
    ValueTask FenceAsync(string conversationId, long seq, CancellationToken cancellationToken = default);
}
