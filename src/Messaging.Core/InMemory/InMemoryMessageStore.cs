using System.Collections.Concurrent;

namespace Messaging;

/// <summary>
/// An <see cref="IMessageStore"/> held in process memory, with the atomic fast path of <see cref="IAtomicSequencingStore"/>:
/// under the conversation's lock it looks the client message id up, takes the next seq, claims the id, appends and
/// records the message id, in the <see cref="InMemoryDeduplicationStore"/> and <see cref="InMemoryMessageIdIndex"/> it was
/// created over. The engine takes that path only when those are the registered roles
/// (<see cref="IAtomicSequencingStore.SequencesFor"/>, so <c>AddMessaging()</c>'s defaults do); otherwise (a store
/// created on its own) it takes the composite path a store of truth takes: <see cref="ISequencer"/>, then an
/// <see cref="IDeduplicationStore"/> claim, then <see cref="AppendAsync"/>.
/// </summary>
/// <remarks>
/// <para>
/// Guarantees: <c>(conversation, seq)</c> is unique (insert-if-absent); appends and reads are thread-safe and
/// linearizable per conversation; a stored message is never replaced. A <see cref="MessageKind.Tombstone"/> is an
/// ordinary stored message holding its seq. The atomic step takes the seq after the last stored one (an
/// <see cref="InMemorySequencer"/> used beside it re-fences on the seq it then finds taken).
/// </para>
/// <para>
/// Limits: one process only; everything is lost on restart; nothing is evicted, so the history of every conversation
/// starts at seq 1 (<see cref="GetHistoryStartAsync"/>). Messages are kept as bytes in a few large arrays per
/// conversation, so what grows is neither copied nor scanned by the garbage collector; every read returns new
/// <see cref="Message"/> objects.
/// </para>
/// </remarks>
public sealed class InMemoryMessageStore : IMessageStore, IAtomicSequencingStore
{
    private readonly ConcurrentDictionary<string, MessageLog> _conversations = new(StringComparer.Ordinal);
    private readonly InMemoryDeduplicationStore _deduplication;
    private readonly InMemoryMessageIdIndex _messageIds;
    private readonly int? _retention;

    /// <summary>Creates an empty store that keeps every message, with a de-duplication store and id index of its own.</summary>
    public InMemoryMessageStore()
        : this(new InMemoryDeduplicationStore(), new InMemoryMessageIdIndex())
    {
    }

    /// <summary>Creates an empty store that keeps every message and whose atomic step writes to the given roles.</summary>
    /// <param name="deduplication">Where the atomic step claims client message ids.</param>
    /// <param name="messageIds">Where the atomic step records message ids.</param>
    public InMemoryMessageStore(InMemoryDeduplicationStore deduplication, InMemoryMessageIdIndex messageIds)
    {
        ArgumentNullException.ThrowIfNull(deduplication);
        ArgumentNullException.ThrowIfNull(messageIds);
        _deduplication = deduplication;
        _messageIds = messageIds;
    }

    // Keeps only the newest messages of each conversation, as a store with a configured retention does (the removed
    // seqs read as gone and move the history start).
    internal InMemoryMessageStore(int retention)
        : this()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(retention);
        _retention = retention;
    }

    /// <inheritdoc />
    public bool SequencesFor(IDeduplicationStore deduplication, IMessageIdIndex messageIds)
        => ReferenceEquals(deduplication, _deduplication) && ReferenceEquals(messageIds, _messageIds);

    /// <inheritdoc />
    public ValueTask<AppendResult> SequenceAndAppendAsync(Message draft, TimeSpan deduplicationWindow, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(deduplicationWindow, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        var claim = KeyDigest.Of(new DeduplicationKey(draft.ConversationId, draft.SenderId, draft.ClientMsgId));
        var messageId = KeyDigest.Of(draft.MessageId);

        // Both maps are large and written at random places: their two cache misses overlap instead of adding up.
        _deduplication.Prefetch(claim);
        _messageIds.Prefetch(messageId);
        var log = GetLog(draft.ConversationId);
        lock (log)
        {
            var message = draft with { Seq = log.LastSeq + 1 };
            if (_deduplication.ClaimUnlessHeld(claim, message.Seq, deduplicationWindow) is { } claimed)
            {
                // The original at its seq; a claim whose seq holds nothing (the composite path's, still being written,
                // or removed by retention) has no original to answer with.
                return ValueTask.FromResult(log.Get(claimed) is { } original
                    ? new AppendResult(AppendOutcome.DuplicateClientMessage, original)
                    : new AppendResult(AppendOutcome.SeqTaken, null));
            }

            _messageIds.Add(messageId, new MessageLocation(message.ConversationId, message.Seq));
            return ValueTask.FromResult(Store(log, message));
        }
    }

    // The store AddMessaging() registers: atomic over the registered de-duplication store and id index when they are
    // the in-memory ones (the defaults), else a store of its own taking the composite path.
    internal static InMemoryMessageStore Over(IDeduplicationStore deduplication, IMessageIdIndex messageIds)
        => deduplication is InMemoryDeduplicationStore claims && messageIds is InMemoryMessageIdIndex ids ? new(claims, ids) : new();

    /// <inheritdoc />
    public ValueTask<AppendResult> AppendAsync(Message message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(message.Seq);
        cancellationToken.ThrowIfCancellationRequested();
        var log = GetLog(message.ConversationId);
        lock (log)
        {
            if (log.Get(message.Seq) is { } holder)
            {
                return ValueTask.FromResult(new AppendResult(AppendOutcome.SeqTaken, holder));
            }

            if (message.Seq < log.HistoryStart)
            {
                // Removed by retention: the seq stays used, but its message is gone.
                return ValueTask.FromResult(new AppendResult(AppendOutcome.SeqTaken, null));
            }

            return ValueTask.FromResult(Store(log, message));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Message>> ReadAfterAsync(string conversationId, long afterSeq, int limit, CancellationToken cancellationToken = default)
    {
        if (FindForRead(conversationId, limit, cancellationToken) is not { } log)
        {
            return ValueTask.FromResult<IReadOnlyList<Message>>([]);
        }

        lock (log)
        {
            // Exactly the messages found, and nothing allocated when the reader is up to date.
            var start = log.FirstIndexAbove(afterSeq);
            var count = Math.Min(limit, log.Count - start);
            if (count <= 0)
            {
                return ValueTask.FromResult<IReadOnlyList<Message>>([]);
            }

            var result = new Message[count];
            for (var i = 0; i < count; i++)
            {
                result[i] = log.At(start + i);
            }

            return ValueTask.FromResult<IReadOnlyList<Message>>(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Message>> ReadBeforeAsync(string conversationId, long beforeSeq, int limit, CancellationToken cancellationToken = default)
    {
        if (FindForRead(conversationId, limit, cancellationToken) is not { } log)
        {
            return ValueTask.FromResult<IReadOnlyList<Message>>([]);
        }

        lock (log)
        {
            var end = beforeSeq <= 1 ? 0 : log.FirstIndexAbove(beforeSeq - 1);
            var count = Math.Min(limit, end);
            if (count <= 0)
            {
                return ValueTask.FromResult<IReadOnlyList<Message>>([]);
            }

            // Newest first, as before.
            var result = new Message[count];
            for (var i = 0; i < count; i++)
            {
                result[i] = log.At(end - 1 - i);
            }

            return ValueTask.FromResult<IReadOnlyList<Message>>(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<Message?> GetAsync(string conversationId, long seq, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_conversations.TryGetValue(conversationId, out var log))
        {
            return ValueTask.FromResult<Message?>(null);
        }

        lock (log)
        {
            return ValueTask.FromResult(log.Get(seq));
        }
    }

    /// <inheritdoc />
    public ValueTask<long> GetLastSeqAsync(string conversationId, CancellationToken cancellationToken = default)
        => ReadPosition(conversationId, whenUnknown: 0, static log => log.LastSeq, cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> GetHistoryStartAsync(string conversationId, CancellationToken cancellationToken = default)
        => ReadPosition(conversationId, whenUnknown: 1, static log => log.HistoryStart, cancellationToken);

    // One seq position of a conversation's log, read under its lock; whenUnknown for a conversation without messages.
    private ValueTask<long> ReadPosition(string conversationId, long whenUnknown, Func<MessageLog, long> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_conversations.TryGetValue(conversationId, out var log))
        {
            return ValueTask.FromResult(whenUnknown);
        }

        lock (log)
        {
            return ValueTask.FromResult(read(log));
        }
    }

    // The conversation's log for a range read, or null when there is nothing to read.
    private MessageLog? FindForRead(string conversationId, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        cancellationToken.ThrowIfCancellationRequested();
        return limit > 0 && _conversations.TryGetValue(conversationId, out var log) ? log : null;
    }

    private MessageLog GetLog(string conversationId)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        return _conversations.GetOrAdd(conversationId, static id => new MessageLog(id));
    }

    // Called under the log's lock once the seq is known to be free.
    private AppendResult Store(MessageLog log, Message message)
    {
        log.Add(message);
        while (log.Count > _retention)
        {
            log.RemoveOldest();
        }

        return new AppendResult(AppendOutcome.Appended, message);
    }
}
