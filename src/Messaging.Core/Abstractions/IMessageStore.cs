namespace Messaging;

/// <summary>The outcome of <see cref="IMessageStore.AppendAsync"/> and <see cref="IAtomicSequencingStore.SequenceAndAppendAsync"/>.</summary>
public enum AppendOutcome
{
    /// <summary>The message was stored.</summary>
    Appended,

    /// <summary>
    /// Only from <see cref="IAtomicSequencingStore.SequenceAndAppendAsync"/>: the <c>(conversation, sender,
    /// client_msg_id)</c> claim is held by an earlier message; nothing was stored and <see cref="AppendResult.Existing"/>
    /// holds the original.
    /// </summary>
    DuplicateClientMessage,

    /// <summary>
    /// The sequence number is taken; nothing was stored. <see cref="AppendResult.Existing"/> holds the message at that
    /// seq, or is <see langword="null"/> when the seq was removed (below <see cref="IMessageStore.GetHistoryStartAsync"/>).
    /// </summary>
    SeqTaken,
}

/// <summary>The outcome of an append and the message it concerns.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Existing">
/// The stored message for <see cref="AppendOutcome.Appended"/>, the original for
/// <see cref="AppendOutcome.DuplicateClientMessage"/>, the holder of the seq for <see cref="AppendOutcome.SeqTaken"/>.
/// </param>
public readonly record struct AppendResult(AppendOutcome Outcome, Message? Existing);

/// <summary>
/// Durable storage of messages by <c>(conversation, seq)</c>. Guarantee: an append is the commit point of a send; it
/// inserts a fully formed message at its seq only if the seq is free (one uniqueness rule), so appends are
/// idempotent and a stored message is never replaced. De-duplication of client message ids is a separate role
/// (<see cref="IDeduplicationStore"/>), and so is the look-up of a message by its id (<see cref="IMessageIdIndex"/>).
/// </summary>
public interface IMessageStore
{
    /// <summary>Stores a message at its seq unless the seq is taken (insert-if-absent).</summary>
    /// <param name="message">The fully formed message (seq assigned, at least 1).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see cref="AppendOutcome.Appended"/>, or <see cref="AppendOutcome.SeqTaken"/> with the holder of the seq.</returns>
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

    /// <summary>The message stored at one seq of a conversation.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="seq">The seq.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The message (possibly a tombstone), or <see langword="null"/> when the seq holds nothing (yet, or any more).</returns>
    ValueTask<Message?> GetAsync(string conversationId, long seq, CancellationToken cancellationToken = default);

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
/// Optional capability of a message store: claim the client message id, take the next seq, append and record the
/// message id in one atomic step (for example one Redis script). When the registered <see cref="IMessageStore"/>
/// implements it and <see cref="SequencesFor"/> the registered roles, the engine uses it instead of
/// <see cref="ISequencer"/>, <see cref="IDeduplicationStore"/>, <see cref="IMessageStore.AppendAsync"/> and
/// <see cref="IMessageIdIndex.AddAsync"/>.
/// </summary>
/// <remarks>
/// Guarantee: calls made one after another (each call has returned, even if its task has not completed) take their
/// seqs in that order. The engine relies on it to keep a connection's overlapping sends in their arrival order: it
/// starts the next send's step as soon as the previous call returned. A Redis script sent on one connection has it
/// (commands run in the order they were written); an implementation that cannot promise it must complete the step
/// before returning.
/// </remarks>
public interface IAtomicSequencingStore
{
    /// <summary>
    /// Whether the claims and id entries this store's atomic step writes are the ones <paramref name="deduplication"/>
    /// and <paramref name="messageIds"/> read (the same adapter on the same data); when <see langword="false"/> the
    /// engine takes the composite path through those roles.
    /// </summary>
    /// <param name="deduplication">The registered de-duplication store.</param>
    /// <param name="messageIds">The registered message id index.</param>
    /// <returns><see langword="true"/> when the atomic step can stand in for them.</returns>
    bool SequencesFor(IDeduplicationStore deduplication, IMessageIdIndex messageIds);

    /// <summary>Assigns the next seq to <paramref name="draft"/> and appends it, unless its client message id is claimed.</summary>
    /// <param name="draft">The message; its <see cref="Message.Seq"/> is ignored.</param>
    /// <param name="deduplicationWindow">How long the claim of the client message id lasts.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see cref="AppendOutcome.Appended"/> with the stored message, or the duplicate's original.</returns>
    ValueTask<AppendResult> SequenceAndAppendAsync(Message draft, TimeSpan deduplicationWindow, CancellationToken cancellationToken = default);
}

/// <summary>
/// The writes the engine makes right after a send commits: the sender's read mark (sending reads everything before
/// the message, recorded on <see cref="ReservedDeviceIds.Sender"/>) and the conversation's activity in the
/// <see cref="IConversationIndex"/>. A store implementing <see cref="IAtomicBookkeepingStore"/> makes them inside its
/// atomic step.
/// </summary>
/// <param name="SenderId">The sender whose read mark moves to the new message's seq.</param>
/// <param name="At">When the mark moved (the engine's clock).</param>
public sealed record CommitBookkeeping(string SenderId, DateTimeOffset At);

/// <summary>The outcome of <see cref="IAtomicBookkeepingStore.SequenceAndAppendKeepingBooksAsync"/>.</summary>
/// <param name="Result">The append's outcome, as <see cref="IAtomicSequencingStore.SequenceAndAppendAsync"/> answers.</param>
/// <param name="SenderMarksBefore">
/// The sender's marks in the conversation (the aggregate over their devices, as <see cref="IReceiptStore.AdvanceAsync"/>
/// returns it) read before the read mark moved; meaningful only for <see cref="AppendOutcome.Appended"/>.
/// </param>
public readonly record struct BookkeptAppendResult(AppendResult Result, Watermark SenderMarksBefore);

/// <summary>
/// Optional capability of an <see cref="IAtomicSequencingStore"/> whose data sits beside the receipt store's and the
/// conversation index's (for example one Redis hash slot per conversation): its atomic step also makes the
/// <see cref="CommitBookkeeping"/> writes, so a send is one call to the stores before <c>sent</c>. The engine uses it
/// only when <see cref="KeepsBooksFor"/> says the registered roles read what it writes, and then makes neither write
/// itself.
/// </summary>
public interface IAtomicBookkeepingStore : IAtomicSequencingStore
{
    /// <summary>
    /// Whether this store's atomic step writes the data <paramref name="receipts"/> and <paramref name="index"/> read
    /// (the same adapter on the same server); when <see langword="false"/> the engine writes to them itself.
    /// </summary>
    /// <param name="receipts">The registered receipt store.</param>
    /// <param name="index">The registered conversation index.</param>
    /// <returns><see langword="true"/> when the bookkeeping can be folded into the atomic step.</returns>
    bool KeepsBooksFor(IReceiptStore receipts, IConversationIndex index);

    /// <summary>
    /// As <see cref="IAtomicSequencingStore.SequenceAndAppendAsync"/>, and when the message is appended, in the same
    /// atomic step: advances the sender's read mark on <see cref="ReservedDeviceIds.Sender"/> to the new seq (as
    /// <see cref="IReceiptStore.AdvanceAsync"/> with delivered and read at that seq) and moves the conversation's
    /// activity to the message (as <see cref="IConversationIndex.TouchAsync"/>). A duplicate writes neither.
    /// </summary>
    /// <param name="draft">The message; its <see cref="Message.Seq"/> is ignored.</param>
    /// <param name="deduplicationWindow">How long the claim of the client message id lasts.</param>
    /// <param name="bookkeeping">The sender and the time of the read mark.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The append's outcome and the sender's marks before it.</returns>
    ValueTask<BookkeptAppendResult> SequenceAndAppendKeepingBooksAsync(Message draft, TimeSpan deduplicationWindow, CommitBookkeeping bookkeeping, CancellationToken cancellationToken = default);
}

