namespace Messaging;

/// <summary>Where a message is stored: its conversation and seq.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="Seq">The seq.</param>
public readonly record struct MessageLocation(string ConversationId, long Seq);

/// <summary>
/// Resolves a server message id to where the message is stored, for the requests that name a message by id only
/// (acks by id, <c>GET /messages/{id}/receipts</c>). Guarantee: an entry is written once per message, with or before
/// its append; an entry may point at a seq that holds another message or nothing (a send that failed), so readers
/// check the message they find there.
/// </summary>
/// <remarks>
/// A plain write keyed by the message id, without a uniqueness check: a Redis key or a Cassandra table partitioned by
/// message id without a lightweight transaction.
/// </remarks>
public interface IMessageIdIndex
{
    /// <summary>Records where a message is stored.</summary>
    /// <param name="messageId">The message id.</param>
    /// <param name="location">Its conversation and seq.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the entry is written.</returns>
    ValueTask AddAsync(string messageId, MessageLocation location, CancellationToken cancellationToken = default);

    /// <summary>Where a message id was recorded.</summary>
    /// <param name="messageId">The message id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The location, or <see langword="null"/> when the id is unknown.</returns>
    ValueTask<MessageLocation?> FindAsync(string messageId, CancellationToken cancellationToken = default);
}
