using System.Collections.Concurrent;

namespace Messaging;

/// <summary>
/// An <see cref="IMessageStore"/> held in process memory; also an <see cref="IAtomicSequencingStore"/>, so the engine
/// de-duplicates, sequences and appends in one step and needs no separate sequencer.
/// </summary>
/// <remarks>
/// <para>
/// Guarantees: <c>(conversation, seq)</c> and <c>(conversation, sender, client_msg_id)</c> are unique; appends and
/// reads are thread-safe and linearizable per conversation; a stored message is never replaced.
/// </para>
/// <para>
/// A <see cref="MessageKind.Tombstone"/> is an ordinary stored message: it holds its seq and its client message id
/// like any other (writers give tombstones client message ids of their own).
/// </para>
/// <para>
/// Limits: one process only; everything is lost on restart; nothing is evicted (client message ids are remembered
/// for the lifetime of the store, longer than any de-duplication window), so the history of every conversation
/// starts at seq 1 (<see cref="GetHistoryStartAsync"/>).
/// </para>
/// </remarks>
public sealed class InMemoryMessageStore : IMessageStore, IAtomicSequencingStore
{
    private readonly ConcurrentDictionary<string, ConversationLog> _conversations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Message> _byId = new(StringComparer.Ordinal);
    private readonly int? _retention;

    /// <summary>Creates an empty store that keeps every message.</summary>
    public InMemoryMessageStore()
    {
    }

    // Keeps only the newest messages of each conversation, as a store with a configured retention does (the removed
    // seqs read as gone and move the history start; client message ids stay remembered).
    internal InMemoryMessageStore(int retention)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(retention);
        _retention = retention;
    }

    /// <inheritdoc />
    public ValueTask<AppendResult> AppendAsync(Message message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(message.Seq);
        cancellationToken.ThrowIfCancellationRequested();
        var log = GetLog(message.ConversationId);
        lock (log)
        {
            if (log.FindDuplicate(message) is { } original)
            {
                return ValueTask.FromResult(new AppendResult(AppendOutcome.DuplicateClientMessage, original));
            }

            if (log.Messages.TryGetValue(message.Seq, out var holder))
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
    public ValueTask<AppendResult> SequenceAndAppendAsync(Message draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        cancellationToken.ThrowIfCancellationRequested();
        var log = GetLog(draft.ConversationId);
        lock (log)
        {
            if (log.FindDuplicate(draft) is { } original)
            {
                return ValueTask.FromResult(new AppendResult(AppendOutcome.DuplicateClientMessage, original));
            }

            return ValueTask.FromResult(Store(log, draft with { Seq = log.LastSeq + 1 }));
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
            var count = Math.Min(limit, log.Messages.Count - start);
            if (count <= 0)
            {
                return ValueTask.FromResult<IReadOnlyList<Message>>([]);
            }

            var result = new Message[count];
            var values = log.Messages.Values;
            for (var i = 0; i < count; i++)
            {
                result[i] = values[start + i];
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
            var values = log.Messages.Values;
            for (var i = 0; i < count; i++)
            {
                result[i] = values[end - 1 - i];
            }

            return ValueTask.FromResult<IReadOnlyList<Message>>(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<Message?> GetByIdAsync(string messageId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_byId.GetValueOrDefault(messageId));
    }

    /// <inheritdoc />
    public ValueTask<Message?> FindByClientMsgIdAsync(string conversationId, string senderId, string clientMsgId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(senderId);
        ArgumentNullException.ThrowIfNull(clientMsgId);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_conversations.TryGetValue(conversationId, out var log))
        {
            return ValueTask.FromResult<Message?>(null);
        }

        lock (log)
        {
            return ValueTask.FromResult(log.ByClientMsgId.GetValueOrDefault((senderId, clientMsgId)));
        }
    }

    /// <inheritdoc />
    public ValueTask<long> GetLastSeqAsync(string conversationId, CancellationToken cancellationToken = default)
        => ReadPosition(conversationId, whenUnknown: 0, static log => log.LastSeq, cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> GetHistoryStartAsync(string conversationId, CancellationToken cancellationToken = default)
        => ReadPosition(conversationId, whenUnknown: 1, static log => log.HistoryStart, cancellationToken);

    // One seq position of a conversation's log, read under its lock; whenUnknown for a conversation without messages.
    private ValueTask<long> ReadPosition(string conversationId, long whenUnknown, Func<ConversationLog, long> read, CancellationToken cancellationToken)
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
    private ConversationLog? FindForRead(string conversationId, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        cancellationToken.ThrowIfCancellationRequested();
        return limit > 0 && _conversations.TryGetValue(conversationId, out var log) ? log : null;
    }

    private ConversationLog GetLog(string conversationId)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        return _conversations.GetOrAdd(conversationId, static _ => new ConversationLog());
    }

    // Called under the log's lock once both unique keys are known to be free.
    private AppendResult Store(ConversationLog log, Message message)
    {
        if (!_byId.TryAdd(message.MessageId, message))
        {
            throw new InvalidOperationException($"Message id '{message.MessageId}' is already stored.");
        }

        log.Messages.Add(message.Seq, message);
        log.ByClientMsgId.Add((message.SenderId, message.ClientMsgId), message);
        while (log.Messages.Count > _retention)
        {
            var oldest = log.Messages.Values[0];
            log.Messages.RemoveAt(0);
            _byId.TryRemove(oldest.MessageId, out _);
            log.HistoryStart = oldest.Seq + 1;
        }

        return new AppendResult(AppendOutcome.Appended, message);
    }

    private sealed class ConversationLog
    {
        public SortedList<long, Message> Messages { get; } = [];

        public Dictionary<(string SenderId, string ClientMsgId), Message> ByClientMsgId { get; } = [];

        public long LastSeq => Messages.Count == 0 ? HistoryStart - 1 : Messages.Keys[^1];

        // Every seq below it was removed by retention.
        public long HistoryStart { get; set; } = 1;

        public Message? FindDuplicate(Message message) => ByClientMsgId.GetValueOrDefault((message.SenderId, message.ClientMsgId));

        // The index of the first stored seq greater than seq (Count when none).
        public int FirstIndexAbove(long seq)
        {
            var keys = Messages.Keys;
            int low = 0, high = keys.Count;
            while (low < high)
            {
                var mid = low + ((high - low) / 2);
                if (keys[mid] <= seq)
                {
                    low = mid + 1;
                }
                else
                {
                    high = mid;
                }
            }

            return low;
        }
    }
}
