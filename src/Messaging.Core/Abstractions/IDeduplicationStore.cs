namespace Messaging;

/// <summary>What a sender's idempotency key is unique within: one sender's client message id in one conversation.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="SenderId">The authenticated sender.</param>
/// <param name="ClientMsgId">The sender's client message id.</param>
public readonly record struct DeduplicationKey(string ConversationId, string SenderId, string ClientMsgId);

/// <summary>The outcome of <see cref="IDeduplicationStore.ClaimAsync"/>.</summary>
/// <param name="Claimed">The key now maps to the seq that was offered (also when it already did).</param>
/// <param name="Seq">The seq the key maps to: the one offered when <paramref name="Claimed"/>, else the earlier claim's.</param>
public readonly record struct DeduplicationClaim(bool Claimed, long Seq);

/// <summary>
/// Remembers which seq a client message id was sent at, for a window (the engine's
/// <see cref="MessagingOptions.DeduplicationWindow"/>). Guarantee: a claim is insert-if-absent, so of concurrent
/// claims of one key exactly one wins and every other is told the winner's seq; a claim disappears after its window
/// (or when released), and the key can then be claimed again.
/// </summary>
/// <remarks>
/// Maps onto Redis as <c>SET key seq NX PX window</c> and onto Cassandra as an insert-if-absent with a TTL, in the
/// conversation's partition. The store holds only the seq: the message itself is read from <see cref="IMessageStore"/>.
/// </remarks>
public interface IDeduplicationStore
{
    /// <summary>The seq a key is claimed for, if the claim is still within its window.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The seq, or <see langword="null"/> when the key is not claimed.</returns>
    ValueTask<long?> FindAsync(DeduplicationKey key, CancellationToken cancellationToken = default);

    /// <summary>Claims a key for a seq unless it is claimed already.</summary>
    /// <param name="key">The key.</param>
    /// <param name="seq">The seq the sender's message takes.</param>
    /// <param name="window">How long the claim lasts (positive).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether the key maps to <paramref name="seq"/> now, and the seq it maps to.</returns>
    ValueTask<DeduplicationClaim> ClaimAsync(DeduplicationKey key, long seq, TimeSpan window, CancellationToken cancellationToken = default);

    /// <summary>Removes a claim, only if it still maps to <paramref name="seq"/> (a send that can never be stored gives its key back).</summary>
    /// <param name="key">The key.</param>
    /// <param name="seq">The seq the claim must map to.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether a claim was removed.</returns>
    ValueTask<bool> ReleaseAsync(DeduplicationKey key, long seq, CancellationToken cancellationToken = default);
}
