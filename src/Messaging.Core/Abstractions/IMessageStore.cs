namespace Messaging;

/// <summary>The outcome of <see cref="IMessageStore.AppendAsync"/>.</summary>
public enum AppendOutcome
{
    /// <summary>The message was stored.</summary>
    Appended,

    /// <summary>
    /// A message with the same <c>(conversation, sender, client_msg_id)</c> exists; nothing was stored and
    /// <see cref="AppendResult.Existing"/> holds the original.
    /// </summary>
    DuplicateClientMessage,

    /// <summary>The sequence number is taken by another message; nothing was stored.</summary>
    SeqTaken,
}

/// <summary>The outcome of an append and, for duplicates, the message already stored.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Existing">The original message for <see cref="AppendOutcome.DuplicateClientMessage"/>, else the stored one.</param>
public readonly record struct AppendResult(AppendOutcome Outcome, Message? Existing);

/// <summary>
/// Durable storage of messages. Guarantee: an append is the commit point of a send; <c>(conversation, seq)</c> and
/// <c>(conversation, sender, client_msg_id)</c> are unique, so appends are idempotent and a stored message is
/// never replaced.
/// </summary>
public interface IMessageStore
{
    /// <summary>Appends a message unless its seq or its client message id is already used.</summary>
    /// <param name="message">The fully formed message (seq assigned).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether it was stored, and the conflicting message otherwise.</returns>
    ValueTask<AppendResult> AppendAsync(Message message, CancellationToken cancellationToken = default);

    /// <summary>Reads messages with <c>seq &gt; afterSeq</c> in ascending seq order, at most <paramref name="limit"/>.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="afterSeq">Exclusive lower bound.</param>
    /// <param name="limit">Maximum number of messages.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The messages, ascending (tombstones included).</returns>
    ValueTask<IReadOnlyList<Message>> ReadAfterAsync(string conversationId, long afterSeq, int limit, CancellationToken cancellationToken = default);

    /// <summary>Reads messages with <c>seq &lt; beforeSeq</c> in descending seq order, at most <paramref name="limit"/>.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="beforeSeq">Exclusive upper bound.</param>
    /// <param name="limit">Maximum number of messages.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The messages, newest first (tombstones included).</returns>
    ValueTask<IReadOnlyList<Message>> ReadBeforeAsync(string conversationId, long beforeSeq, int limit, CancellationToken cancellationToken = default);

    /// <summary>Finds a message by its server id.</summary>
    /// <param name="messageId">The message id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The message, or <see langword="null"/>.</returns>
    ValueTask<Message?> GetByIdAsync(string messageId, CancellationToken cancellationToken = default);

    /// <summary>Finds a message by its sender's idempotency key.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="senderId">The sender.</param>
    /// <param name="clientMsgId">The sender's client message id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The message, or <see langword="null"/>.</returns>
    ValueTask<Message?> FindByClientMsgIdAsync(string conversationId, string senderId, string clientMsgId, CancellationToken cancellationToken = default);

    /// <summary>The highest stored seq of a conversation, 0 when it has none.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The last seq.</returns>
    ValueTask<long> GetLastSeqAsync(string conversationId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Where the conversation's history starts: the lowest seq the store may still return. Every seq below it is gone
    /// for good (removed by a retention the host configured, or lost), and readers skip it like a tombstone instead of
    /// waiting for it. 1 when nothing was removed (and for an unknown conversation); never decreases; at most the last
    /// seq plus one.
    /// </summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The first seq of the kept history.</returns>
    ValueTask<long> GetHistoryStartAsync(string conversationId, CancellationToken cancellationToken = default);
}

/// <summary>
/// Optional capability of a message store: de-duplicate, take the next seq and append in one atomic step (for example
/// one Redis script). When the registered <see cref="IMessageStore"/> implements it, the engine uses it instead of
/// <see cref="ISequencer"/> followed by <see cref="IMessageStore.AppendAsync"/>.
/// </summary>
public interface IAtomicSequencingStore
{
    /// <summary>Assigns the next seq to <paramref name="draft"/> and appends it, unless its client message id was used.</summary>
    /// <param name="draft">The message; its <see cref="Message.Seq"/> is ignored.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see cref="AppendOutcome.Appended"/> with the stored message, or the duplicate's original.</returns>
    ValueTask<AppendResult> SequenceAndAppendAsync(Message draft, CancellationToken cancellationToken = default);
}
