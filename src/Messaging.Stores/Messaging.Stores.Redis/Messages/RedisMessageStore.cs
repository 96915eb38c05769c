using System.Globalization;
using Messaging.Redis;
using StackExchange.Redis;

namespace Messaging.Stores.Redis;

/// <summary>
/// A conversation's messages in Redis (all of them by default, or a hot window with a configured retention); also an <see cref="IAtomicSequencingStore"/>: one Lua script
/// de-duplicates, takes the next seq and appends atomically, so the engine needs no separate sequencer.
/// </summary>
/// <remarks>
/// <para>
/// Guarantees: <c>(conversation, seq)</c> is unique; <c>(conversation, sender, client_msg_id)</c> is unique for
/// <see cref="RedisStoreOptions.DeduplicationWindow"/> (a repeat within it returns the original message, also after
/// the original left the window); a stored message is never replaced; the seq counter of
/// <see cref="RedisSequencer"/> is raised with every append, so both can be used together. A tombstone never claims
/// its client message id.
/// </para>
/// <para>
/// Retention: by default every message is kept, since with Redis as the only message store a removed message is lost
/// for good. With <see cref="RedisStoreOptions.MessageRetention"/> set, each conversation keeps its newest that many
/// messages and <see cref="GetHistoryStartAsync"/> moves to the oldest kept seq. A read returns only kept messages (a
/// <see cref="ReadAfterAsync"/> from below the window starts at the oldest kept one; <see cref="GetByIdAsync"/> of a
/// removed message returns <see langword="null"/>); <see cref="GetLastSeqAsync"/> is unaffected, and appending a
/// removed seq again answers <see cref="AppendOutcome.SeqTaken"/> with no <see cref="AppendResult.Existing"/> message.
/// </para>
/// <para>
/// Durability is Redis's: with <c>appendonly yes</c> and <c>appendfsync always</c> an acknowledged append survives a
/// restart; with weaker settings a restart may lose the newest appends (the seq counter rolls back with them, so
/// seqs stay consistent with what is stored). The message id index (for <see cref="GetByIdAsync"/>) lives outside
/// the conversation's hash slot and is written in the same pipeline just before the append; it expires after the
/// de-duplication window.
/// </para>
/// </remarks>
public sealed class RedisMessageStore : IMessageStore, IAtomicSequencingStore
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
        return AppendCoreAsync(message, message.Seq.ToString(CultureInfo.InvariantCulture), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<AppendResult> SequenceAndAppendAsync(Message draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        return AppendCoreAsync(draft, string.Empty, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Message>> ReadAfterAsync(string conversationId, long afterSeq, int limit, CancellationToken cancellationToken = default)
        => ReadRangeAsync(conversationId, afterSeq, double.PositiveInfinity, Exclude.Start, Order.Ascending, limit, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Message>> ReadBeforeAsync(string conversationId, long beforeSeq, int limit, CancellationToken cancellationToken = default)
        => ReadRangeAsync(conversationId, double.NegativeInfinity, beforeSeq, Exclude.Stop, Order.Descending, limit, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<Message?> GetByIdAsync(string messageId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var conversation = await RedisStoreContext.Guard(database.StringGetAsync(RedisKeys.MessageIndex(messageId)), cancellationToken).ConfigureAwait(false);
        if (conversation.IsNull)
        {
            return null;
        }

        string conversationId = conversation!;
        var result = await RedisStoreContext.Guard(
            RedisScripts.MessageGetById.EvaluateAsync(database, [RedisKeys.Messages(conversationId), RedisKeys.MessageIds(conversationId)], [messageId]),
            cancellationToken).ConfigureAwait(false);
        if (result.IsNull)
        {
            return null;
        }

        var parts = (RedisResult[])result!;
        return StoredMessageCodec.Decode(conversationId, (long)parts[0], Bytes(parts[1]));
    }

    /// <inheritdoc />
    public async ValueTask<Message?> FindByClientMsgIdAsync(string conversationId, string senderId, string clientMsgId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(senderId);
        ArgumentNullException.ThrowIfNull(clientMsgId);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var entry = await RedisStoreContext.Guard(database.StringGetAsync(RedisKeys.ClientMessage(conversationId, senderId, clientMsgId)), cancellationToken).ConfigureAwait(false);
        return entry.IsNull ? null : StoredMessageCodec.DecodeClientEntry(conversationId, ((ReadOnlyMemory<byte>)entry).Span);
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

    // seq: the caller's seq in decimal, or empty to let the script take the next one.
    private async ValueTask<AppendResult> AppendCoreAsync(Message message, string seq, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(message.ConversationId, nameof(message));
        ArgumentException.ThrowIfNullOrEmpty(message.MessageId, nameof(message));
        var conversationId = message.ConversationId;
        var payload = StoredMessageCodec.EncodeUtf8(message);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);

        // The id index is written first in the same pipeline (it cannot join the script: another slot). If the append
        // turns out to be a duplicate, the entry points at a conversation that has no such id, which reads as absent.
        var batch = database.CreateBatch();
        var indexed = batch.StringSetAsync(RedisKeys.MessageIndex(message.MessageId), conversationId, _context.DeduplicationWindow);
        var appended = RedisScripts.MessageAppend.EvaluateAsync(
            batch,
            [
                RedisKeys.Messages(conversationId),
                RedisKeys.MessageIds(conversationId),
                RedisKeys.ClientMessage(conversationId, message.SenderId, message.ClientMsgId),
                RedisKeys.MessageLog(conversationId),
                RedisKeys.Counter(conversationId),
            ],
            [
                seq,
                message.MessageId,
                payload,
                message.Kind == MessageKind.Tombstone ? "1" : "0",
                (long)_context.DeduplicationWindow.TotalMilliseconds,
                _context.MessageRetention is { } retention ? (RedisValue)retention : RedisValue.EmptyString,
            ]);
        var reply = (RedisResult[])(await RedisStoreContext.Guard(RedisConnection.Send(batch, appended), cancellationToken).ConfigureAwait(false))!;
        await RedisStoreContext.Guard(indexed, cancellationToken).ConfigureAwait(false);

        if ((int)reply[0] != 0)
        {
            // Nothing was stored under this message id: drop its index entry again.
            _ = database.KeyDeleteAsync(RedisKeys.MessageIndex(message.MessageId), CommandFlags.FireAndForget);
        }

        return (int)reply[0] switch
        {
            0 => new AppendResult(AppendOutcome.Appended, message with { Seq = (long)reply[1] }),
            1 => new AppendResult(AppendOutcome.DuplicateClientMessage, StoredMessageCodec.DecodeClientEntry(conversationId, Bytes(reply[1]))),
            _ => new AppendResult(AppendOutcome.SeqTaken, reply[1].IsNull ? null : StoredMessageCodec.Decode(conversationId, message.Seq, Bytes(reply[1]))),
        };
    }

    // A bulk string reply as bytes, without a detour through a string.
    private static ReadOnlySpan<byte> Bytes(RedisResult result) => (byte[]?)result ?? throw new InvalidDataException("A stored message is missing.");
}
