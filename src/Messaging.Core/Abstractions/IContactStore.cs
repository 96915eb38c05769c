namespace Messaging;

/// <summary>
/// Who has sent whom a message in their direct conversation: the evidence the default
/// <see cref="IContactPolicy"/> (<see cref="MutualMessageContactPolicy"/>) reads. Two users are contacts once each of
/// them has sent the other a message; creating a conversation or adding someone to a group records nothing.
/// </summary>
/// <remarks>
/// Guarantees: records are idempotent and never removed by the engine; <see cref="AreContactsAsync"/> is one look-up
/// whose cost does not depend on how many conversations either user belongs to; exactly one
/// <see cref="RecordMessageAsync"/> call reports that a pair became contacts, also with several nodes recording at once.
/// </remarks>
public interface IContactStore
{
    /// <summary>Records that <paramref name="senderId"/> sent <paramref name="recipientId"/> a message in their direct conversation.</summary>
    /// <param name="senderId">Who sent.</param>
    /// <param name="recipientId">The other user of the direct conversation (a different user than the sender).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>
    /// <see langword="true"/> when this call made the two users contacts (the other direction was recorded before and
    /// this one was not); <see langword="false"/> otherwise.
    /// </returns>
    ValueTask<bool> RecordMessageAsync(string senderId, string recipientId, CancellationToken cancellationToken = default);

    /// <summary>Whether each of the two users has sent the other a message.</summary>
    /// <param name="userId">One user.</param>
    /// <param name="otherUserId">The other user (a different user; the order does not matter).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when both directions are recorded.</returns>
    ValueTask<bool> AreContactsAsync(string userId, string otherUserId, CancellationToken cancellationToken = default);
}
