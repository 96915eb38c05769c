using System.Globalization;
using Messaging.Redis;
using StackExchange.Redis;

namespace Messaging.Stores.Redis;

/// <summary>
/// A conversation's messages in Redis (all of them by default, or a hot window with a configured retention); also an
/// <see cref="IAtomicSequencingStore"/>: one Lua script claims the client message id, takes the next seq, appends
/// and records the message id atomically (one round trip), so the engine needs no separate sequencer; and an
/// <see cref="IAtomicBookkeepingStore"/> beside a <see cref="RedisReceiptStore"/> and a
/// <see cref="RedisConversationIndex"/> on the same connection: the same script then advances the sender's read mark
/// and the conversation's activity (all of a conversation's keys share its hash slot), so a send is one script call
/// before <c>sent</c>.
/// </summary>
/// <remarks>
/// <para>
/// Guarantees: <c>(conversation, seq)</c> is unique (<see cref="AppendAsync"/> is insert-if-absent); a stored message
/// is never replaced; the seq counter of <see cref="RedisSequencer"/> is raised with every append, so both can be
/// used together. The atomic step writes the same de-duplication claim <see cref="RedisDeduplicationStore"/> reads
/// (for the window the engine passes, <see cref="MessagingOptions.DeduplicationWindow"/>; a repeat within it returns
/// the original message, also after the original left a retention window) and the same entry
/// <see cref="RedisMessageIdIndex"/> reads.
/// </para>
/// <para>
/// Retention: by default every message is kept, since with Redis as the only message store a removed message is lost
/// for good. With <see cref="RedisStoreOptions.MessageRetention"/> set, each conversation keeps its newest that many
/// messages and <see cref="GetHistoryStartAsync"/> moves to the oldest kept seq. A read returns only kept messages (a
/// <see cref="ReadAfterAsync"/> from below the window starts at the oldest kept one; <see cref="GetAsync"/> of a
/// removed seq returns <see langword="null"/>); <see cref="GetLastSeqAsync"/> is unaffected, and appending a
/// removed seq again answers <see cref="AppendOutcome.SeqTaken"/> with no <see cref="AppendResult.Existing"/> message.
/// The <see cref="RedisMessageIdIndex"/> entries of removed messages are removed right after the append that removed
/// them (unless the store is the hot window of a tiered deployment, whose id index is the durable store's).
/// </para>
/// <para>
/// Durability is Redis's: with <c>appendonly yes</c> and <c>appendfsync always</c> an acknowledged append survives a
/// restart; with weaker settings a restart may lose the newest appends (the seq counter rolls back with them, so
/// seqs stay consistent with what is stored). The message id entry lives outside the conversation's hash slot: on a
/// standalone server the script writes it, elsewhere (a cluster) it is written right after the script.
/// </para>
/// </remarks>
public sealed class RedisMessageStore : IMessageStore, IAtomicBookkeepingStore
{
    private readonly RedisStoreContext _context;

    /// <summary>Creates a store on a multiplexer owned by the host (never disposed by the store).</summary>
    /// <param name="multiplexer">The connection to Redis.</param>
    /// <param name="options">Retention and de-duplication window; the connection settings in it are ignored.</param>
    public RedisMessageStore(IConnectionMultiplexer multiplexer, RedisStoreOptions? options = null)
        : this(RedisStoreContext.Create(RedisConnection.Borrow(multiplexer, null), options))
    {
    }

    internal RedisMessageStore(RedisStoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
    }

    /// <inheritdoc />
    public ValueTask<AppendResult> AppendAsync(Message message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(message.Seq);
        return AppendPlainAsync(message, message.Seq.ToString(CultureInfo.InvariantCulture), TimeSpan.Zero, null, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<AppendResult> SequenceAndAppendAsync(Message draft, TimeSpan deduplicationWindow, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentOutOfRangeException.ThrowIfLessThan(deduplicationWindow, TimeSpan.FromMilliseconds(1));
        return AppendPlainAsync(draft, string.Empty, deduplicationWindow, null, cancellationToken);
    }

    /// <inheritdoc />
    public bool SequencesFor(IDeduplicationStore deduplication, IMessageIdIndex messageIds)
        => deduplication is RedisDeduplicationStore { Context: var claims } && messageIds is RedisMessageIdIndex { Context: var ids }
            && SharesDataWith(claims) && SharesDataWith(ids);

    /// <inheritdoc />
    public bool KeepsBooksFor(IReceiptStore receipts, IConversationIndex index)
        => receipts is RedisReceiptStore { Context: var marks } && index is RedisConversationIndex { Context: var activity }
            && SharesDataWith(marks) && SharesDataWith(activity);

    private bool SharesDataWith(RedisStoreContext other) => _context.Connection.SharesMultiplexerWith(other.Connection);

    /// <inheritdoc />
    public ValueTask<BookkeptAppendResult> SequenceAndAppendKeepingBooksAsync(Message draft, TimeSpan deduplicationWindow, CommitBookkeeping bookkeeping, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(bookkeeping);
        ArgumentException.ThrowIfNullOrEmpty(bookkeeping.SenderId, nameof(bookkeeping));
        ArgumentOutOfRangeException.ThrowIfLessThan(deduplicationWindow, TimeSpan.FromMilliseconds(1));
        return AppendCoreAsync(draft, string.Empty, deduplicationWindow, bookkeeping, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Message>> ReadAfterAsync(string conversationId, long afterSeq, int limit, CancellationToken cancellationToken = default)
        => ReadRangeAsync(conversationId, afterSeq, double.PositiveInfinity, Exclude.Start, Order.Ascending, limit, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Message>> ReadBeforeAsync(string conversationId, long beforeSeq, int limit, CancellationToken cancellationToken = default)
        => ReadRangeAsync(conversationId, double.NegativeInfinity, beforeSeq, Exclude.Stop, Order.Descending, limit, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<Message?> GetAsync(string conversationId, long seq, CancellationToken cancellationToken = default)
    {
        var found = await ReadRangeAsync(conversationId, seq, seq, Exclude.None, Order.Ascending, 1, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <inheritdoc />
    public async ValueTask<long> GetLastSeqAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var last = await RedisStoreContext.Guard(database.HashGetAsync(RedisKeys.MessageLog(conversationId), "last"), cancellationToken).ConfigureAwait(false);
        return last.IsNull ? 0 : (long)last;
    }

    /// <inheritdoc />
    public async ValueTask<long> GetHistoryStartAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var trimmed = await RedisStoreContext.Guard(database.HashGetAsync(RedisKeys.MessageLog(conversationId), "trimmed"), cancellationToken).ConfigureAwait(false);
        return trimmed.IsNull ? 1 : (long)trimmed + 1;
    }

    // Messages scored between start and stop (the excluded bound left out), in the given order, at most limit.
    private async ValueTask<IReadOnlyList<Message>> ReadRangeAsync(string conversationId, double start, double stop, Exclude exclude, Order order, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        if (limit == 0)
        {
            return [];
        }

        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var entries = await RedisStoreContext.Guard(
            database.SortedSetRangeByScoreWithScoresAsync(RedisKeys.Messages(conversationId), start, stop, exclude, order, 0, limit),
            cancellationToken).ConfigureAwait(false);
        var messages = new List<Message>(entries.Length);
        foreach (var entry in entries)
        {
            messages.Add(StoredMessageCodec.Decode(conversationId, (long)entry.Score, ((ReadOnlyMemory<byte>)entry.Element).Span));
        }

        return messages;
    }

    private async ValueTask<AppendResult> AppendPlainAsync(Message message, string seq, TimeSpan deduplicationWindow, CommitBookkeeping? bookkeeping, CancellationToken cancellationToken)
        => (await AppendCoreAsync(message, seq, deduplicationWindow, bookkeeping, cancellationToken).ConfigureAwait(false)).Result;

    // seq: the caller's seq in decimal (a plain insert-if-absent), or empty to claim, sequence, append and index
    // atomically; bookkeeping (only then): also the sender's read mark and the conversation's activity.
    private async ValueTask<BookkeptAppendResult> AppendCoreAsync(Message message, string seq, TimeSpan deduplicationWindow, CommitBookkeeping? bookkeeping, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(message.ConversationId, nameof(message));
        ArgumentException.ThrowIfNullOrEmpty(message.MessageId, nameof(message));
        var conversationId = message.ConversationId;
        var atomic = seq.Length == 0;
        var payload = StoredMessageCodec.EncodeUtf8(message);
        var multiplexer = await _context.GetMultiplexerAsync(cancellationToken).ConfigureAwait(false);
        var database = multiplexer.GetDatabase();

        // On a standalone server the script writes the id entry itself (no extra command); on a cluster the entry is
        // in another slot, so it is written after the script, once the seq is known.
        var indexInScript = atomic && _context.IsStandalone(multiplexer);
        var books = atomic ? bookkeeping : null;
        var keys = new RedisKey[(indexInScript ? 5 : 4) + (books is null ? 0 : 3)];
        keys[0] = RedisKeys.Messages(conversationId);
        keys[1] = RedisKeys.ClientMessage(conversationId, message.SenderId, message.ClientMsgId);
        keys[2] = RedisKeys.MessageLog(conversationId);
        keys[3] = RedisKeys.Counter(conversationId);
        if (indexInScript)
        {
            keys[4] = RedisKeys.MessageIndex(message.MessageId);
        }

        var arguments = new RedisValue[books is null ? 7 : 12];
        arguments[0] = seq;
        arguments[1] = payload;
        arguments[2] = atomic ? (long)deduplicationWindow.TotalMilliseconds : 0;
        arguments[3] = _context.MessageRetention is { } retention ? (RedisValue)retention : RedisValue.EmptyString;
        arguments[4] = conversationId;
        arguments[5] = indexInScript ? "1" : "0";
        arguments[6] = _context.RemovesIdEntries && _context.MessageRetention is not null ? "1" : "0";
        if (books is not null)
        {
            var next = keys.Length - 3;
            keys[next] = RedisKeys.DeviceReceipts(conversationId);
            keys[next + 1] = RedisKeys.UserReceipts(conversationId);
            keys[next + 2] = RedisKeys.ConversationInfo(conversationId);
            arguments[7] = RedisKeys.DeviceField(books.SenderId, ReservedDeviceIds.Sender);
            arguments[8] = books.SenderId;
            arguments[9] = StoredTime.Ticks(books.At);
            arguments[10] = StoredTime.Ticks(message.Timestamp);
            arguments[11] = message.Timestamp.ToUnixTimeMilliseconds();
        }

        var reply = (RedisResult[])(await RedisStoreContext.Guard(RedisScripts.MessageAppend.EvaluateAsync(database, keys, arguments), cancellationToken).ConfigureAwait(false))!;
        if ((int)reply[0] == 0)
        {
            if (atomic && !indexInScript)
            {
                await RedisStoreContext.Guard(RedisMessageIdIndex.WriteAsync(database, message.MessageId, conversationId, (long)reply[1]), cancellationToken).ConfigureAwait(false);
            }

            RedisMessageIdIndex.RemoveInBackground(database, (RedisResult[])reply[3]!);
        }

        return (int)reply[0] switch
        {
            0 => new(new AppendResult(AppendOutcome.Appended, message with { Seq = (long)reply[1] }), RedisReceiptStore.Parse((string?)reply[2])),
            1 => new(new AppendResult(AppendOutcome.DuplicateClientMessage, StoredMessageCodec.DecodeClientEntry(conversationId, Bytes(reply[1]))), Watermark.None),
            _ => new(new AppendResult(AppendOutcome.SeqTaken, reply[1].IsNull ? null : StoredMessageCodec.Decode(conversationId, message.Seq, Bytes(reply[1]))), Watermark.None),
        };
    }

    // A bulk string reply as bytes, without a detour through a string.
    private static ReadOnlySpan<byte> Bytes(RedisResult result) => (byte[]?)result ?? throw new InvalidDataException("A stored message is missing.");
}
