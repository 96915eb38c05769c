using Messaging.Stores.Cassandra.Cql.Statements;
using static Messaging.Stores.Cassandra.CassandraNames;

namespace Messaging.Stores.Cassandra;

/// <summary>
/// Every statement the stores run, with its values, its write time and how it may be retried: plain writes and reads
/// are idempotent (tried again on the next node after a timeout), lightweight transactions (<c>IF ...</c>) carry the
/// serial consistency of the options and are never retried once sent. The texts name the keyspace, so a session
/// needs no <c>USE</c>. The session prepares each text once.
/// </summary>
internal sealed class CassandraStatements
{
    private readonly string _ks;
    private readonly CassandraConsistency _serial;

    public CassandraStatements(CassandraOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _ks = KeyspaceOf(options);
        _serial = options.SerialConsistency;
    }

    // Messages.

    /// <summary>
    /// Inserts a message unless its seq is taken. Null columns (no media) are left out of the statement, not bound to
    /// null: a null written is a tombstone cell, and range reads would step over several per message.
    /// </summary>
    public CqlStatement AppendMessage(Message message)
        => Conditional(InsertOf(Messages, StoredRows.MessageColumns, StoredRows.MessageValues(message), out var values) + " IF NOT EXISTS", values);

    public CqlStatement GetMessage(string conversationId, long seq)
        => Idempotent($"SELECT {StoredRows.MessageColumns} FROM {_ks}.{Messages} WHERE conversation_id = ? AND bucket = ? AND seq = ?", conversationId, MessageBuckets.Of(seq), seq);

    public CqlStatement ReadBucketAfter(string conversationId, long bucket, long afterSeq, int limit)
        => Idempotent($"SELECT {StoredRows.MessageColumns} FROM {_ks}.{Messages} WHERE conversation_id = ? AND bucket = ? AND seq > ? LIMIT ?", conversationId, bucket, afterSeq, limit);

    public CqlStatement ReadBucketBefore(string conversationId, long bucket, long beforeSeq, int limit)
        => Idempotent($"SELECT {StoredRows.MessageColumns} FROM {_ks}.{Messages} WHERE conversation_id = ? AND bucket = ? AND seq < ? ORDER BY seq DESC LIMIT ?", conversationId, bucket, beforeSeq, limit);

    public CqlStatement NewestInBucket(string conversationId, long bucket)
        => Idempotent($"SELECT seq FROM {_ks}.{Messages} WHERE conversation_id = ? AND bucket = ? ORDER BY seq DESC LIMIT 1", conversationId, bucket);

    /// <summary>Raises the conversation's last seq hint: written at the seq itself, so the highest seq wins.</summary>
    public CqlStatement RaiseLastSeq(string conversationId, long seq)
        => Idempotent($"UPDATE {_ks}.{ConversationSeq} USING TIMESTAMP ? SET last_seq = ? WHERE conversation_id = ?", WriteTimestamps.OfMark(seq), seq, conversationId);

    public CqlStatement ReadSeqRow(string conversationId)
        => Idempotent($"SELECT last_seq, history_start FROM {_ks}.{ConversationSeq} WHERE conversation_id = ?", conversationId);

    // De-duplication claims and the message id index.

    public CqlStatement Claim(DeduplicationKey key, long seq, TimeSpan window)
        => Conditional($"INSERT INTO {_ks}.{DeduplicationClaims} (conversation_id, sender_id, client_msg_id, seq) VALUES (?, ?, ?, ?) IF NOT EXISTS USING TTL ?", key.ConversationId, key.SenderId, key.ClientMsgId, seq, TtlSeconds(window));

    public CqlStatement FindClaim(DeduplicationKey key)
        => Idempotent($"SELECT seq FROM {_ks}.{DeduplicationClaims} WHERE conversation_id = ? AND sender_id = ? AND client_msg_id = ?", key.ConversationId, key.SenderId, key.ClientMsgId);

    public CqlStatement ReleaseClaim(DeduplicationKey key, long seq)
        => Conditional($"DELETE FROM {_ks}.{DeduplicationClaims} WHERE conversation_id = ? AND sender_id = ? AND client_msg_id = ? IF seq = ?", key.ConversationId, key.SenderId, key.ClientMsgId, seq);

    public CqlStatement AddMessageId(string messageId, MessageLocation location)
        => Idempotent($"INSERT INTO {_ks}.{MessageIds} (message_id, conversation_id, seq) VALUES (?, ?, ?)", messageId, location.ConversationId, location.Seq);

    public CqlStatement FindMessageId(string messageId)
        => Idempotent($"SELECT conversation_id, seq FROM {_ks}.{MessageIds} WHERE message_id = ?", messageId);

    // Conversations, memberships, activity.

    public CqlStatement CreateConversation(Conversation conversation)
        => Conditional(
            InsertOf(
                Conversations,
                "conversation_id, kind, name, created_at, members, version",
                [conversation.Id, StoredRows.KindName(conversation.Kind), conversation.Name, conversation.CreatedAt.UtcTicks, conversation.Members.Select(StoredRows.EncodeMember).ToList(), 1L],
                out var values) + " IF NOT EXISTS",
            values);

    public CqlStatement GetConversation(string conversationId)
        => Idempotent($"SELECT conversation_id, kind, name, created_at, members, version FROM {_ks}.{Conversations} WHERE conversation_id = ?", conversationId);

    /// <summary>Replaces the members if nobody changed them since <paramref name="version"/> was read; the version moves to the next.</summary>
    public CqlStatement ChangeMembers(string conversationId, IEnumerable<ConversationMember> members, long version)
        => Conditional($"UPDATE {_ks}.{Conversations} SET members = ?, version = ? WHERE conversation_id = ? IF version = ?", members.Select(StoredRows.EncodeMember).ToList(), version + 1, conversationId, version);

    public CqlStatement GetActivity(string conversationId)
        => Idempotent($"SELECT last_seq, last_activity FROM {_ks}.{CassandraNames.ConversationActivity} WHERE conversation_id = ?", conversationId);

    public CqlStatement TouchLastSeq(string conversationId, long seq)
        => Idempotent($"UPDATE {_ks}.{CassandraNames.ConversationActivity} USING TIMESTAMP ? SET last_seq = ? WHERE conversation_id = ?", WriteTimestamps.OfMark(seq), seq, conversationId);

    public CqlStatement TouchLastActivity(string conversationId, DateTimeOffset at)
        => Idempotent($"UPDATE {_ks}.{CassandraNames.ConversationActivity} USING TIMESTAMP ? SET last_activity = ? WHERE conversation_id = ?", WriteTimestamps.OfActivity(at), at.UtcTicks, conversationId);

    public CqlStatement AddUserConversation(string userId, string conversationId, long version)
        => Idempotent($"INSERT INTO {_ks}.{UserConversations} (user_id, conversation_id) VALUES (?, ?) USING TIMESTAMP ?", userId, conversationId, WriteTimestamps.OfMembership(version));

    public CqlStatement RemoveUserConversation(string userId, string conversationId, long version)
        => Idempotent($"DELETE FROM {_ks}.{UserConversations} USING TIMESTAMP ? WHERE user_id = ? AND conversation_id = ?", WriteTimestamps.OfMembership(version), userId, conversationId);

    public CqlStatement ListUserConversations(string userId)
        => Idempotent($"SELECT conversation_id FROM {_ks}.{UserConversations} WHERE user_id = ?", userId);

    public CqlStatement RecordDeparture(string userId, string conversationId, long version, long leftAtSeq, DateTimeOffset leftAt)
        => Idempotent(
            $"INSERT INTO {_ks}.{UserDepartures} (user_id, conversation_id, left_at_seq, left_at) VALUES (?, ?, ?, ?) USING TIMESTAMP ?",
            userId, conversationId, leftAtSeq, leftAt.UtcTicks, WriteTimestamps.OfMembership(version, leftAtSeq));

    /// <summary>Forgets a departure: written with the low bits full, so it wins over every departure write of that version and before.</summary>
    public CqlStatement ForgetDeparture(string userId, string conversationId, long version)
        => Idempotent($"DELETE FROM {_ks}.{UserDepartures} USING TIMESTAMP ? WHERE user_id = ? AND conversation_id = ?", WriteTimestamps.OfMembership(version, WriteTimestamps.MaxDepartureSeq), userId, conversationId);

    public CqlStatement AdvanceDeparture(string userId, string conversationId, long version, long leftAtSeq)
        => Idempotent($"UPDATE {_ks}.{UserDepartures} USING TIMESTAMP ? SET left_at_seq = ? WHERE user_id = ? AND conversation_id = ?", WriteTimestamps.OfMembership(version, leftAtSeq), leftAtSeq, userId, conversationId);

    public CqlStatement GetDeparture(string userId, string conversationId)
        => Idempotent($"SELECT left_at_seq, left_at FROM {_ks}.{UserDepartures} WHERE user_id = ? AND conversation_id = ?", userId, conversationId);

    public CqlStatement ListDepartures(string userId)
        => Idempotent($"SELECT conversation_id, left_at_seq, left_at FROM {_ks}.{UserDepartures} WHERE user_id = ?", userId);

    // Receipts.

    /// <summary>Raises a device's delivered mark: written at the mark, so the highest mark (and the time it was set) wins.</summary>
    public CqlStatement RaiseDelivered(string conversationId, string userId, string deviceId, long mark, DateTimeOffset at)
        => Idempotent($"UPDATE {_ks}.{Receipts} USING TIMESTAMP ? SET delivered_upto = ?, delivered_at = ? WHERE conversation_id = ? AND user_id = ? AND device_id = ?", WriteTimestamps.OfMark(mark), mark, at.UtcTicks, conversationId, userId, deviceId);

    /// <summary>Raises a device's read mark: written at the mark, so the highest mark (and the time it was set) wins.</summary>
    public CqlStatement RaiseRead(string conversationId, string userId, string deviceId, long mark, DateTimeOffset at)
        => Idempotent($"UPDATE {_ks}.{Receipts} USING TIMESTAMP ? SET read_upto = ?, read_at = ? WHERE conversation_id = ? AND user_id = ? AND device_id = ?", WriteTimestamps.OfMark(mark), mark, at.UtcTicks, conversationId, userId, deviceId);

    public CqlStatement ReadUserMarks(string conversationId, string userId)
        => Idempotent($"SELECT device_id, delivered_upto, delivered_at, read_upto, read_at FROM {_ks}.{Receipts} WHERE conversation_id = ? AND user_id = ?", conversationId, userId);

    public CqlStatement ReadDeviceMarks(string conversationId, string userId, string deviceId)
        => Idempotent($"SELECT device_id, delivered_upto, delivered_at, read_upto, read_at FROM {_ks}.{Receipts} WHERE conversation_id = ? AND user_id = ? AND device_id = ?", conversationId, userId, deviceId);

    public CqlStatement ReadAllMarks(string conversationId)
        => Idempotent($"SELECT user_id, device_id, delivered_upto, delivered_at, read_upto, read_at FROM {_ks}.{Receipts} WHERE conversation_id = ?", conversationId);

    // The sequencer's counters.

    /// <summary>
    /// Reads a conversation's counter: at the statement consistency by default (a starting value for the next
    /// compare-and-set, which checks it), at the serial consistency when <paramref name="serial"/> (a Paxos read that
    /// first finishes any round still in flight, so it tells whether a timed-out round applied).
    /// </summary>
    public CqlStatement ReadCounter(string conversationId, bool serial = false)
        => new($"SELECT last, owner FROM {_ks}.{SequenceCounters} WHERE conversation_id = ?", conversationId) { IsIdempotent = true, Consistency = serial ? _serial : null };

    /// <summary>Creates a conversation's counter at <paramref name="last"/> unless it exists (refused: the existing row).</summary>
    public CqlStatement CreateCounter(string conversationId, long last, Guid owner)
        => Conditional($"INSERT INTO {_ks}.{SequenceCounters} (conversation_id, last, owner) VALUES (?, ?, ?) IF NOT EXISTS", conversationId, last, owner);

    /// <summary>Moves a counter from <paramref name="expected"/> to <paramref name="last"/> (refused: the current <c>last</c>).</summary>
    public CqlStatement AdvanceCounter(string conversationId, long expected, long last, Guid owner)
        => Conditional($"UPDATE {_ks}.{SequenceCounters} SET last = ?, owner = ? WHERE conversation_id = ? IF last = ?", last, owner, conversationId, expected);

    /// <summary>The TTL of a claim: the window in whole seconds, rounded up (a claim never expires early), at least 1.</summary>
    internal static int TtlSeconds(TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);

        // Cassandra refuses a TTL over 20 years.
        const int MaxTtl = 630_720_000;
        var seconds = Math.Ceiling(window.TotalSeconds);
        return seconds > MaxTtl ? throw new ArgumentOutOfRangeException(nameof(window), window, "Cassandra keeps a TTL of at most 20 years.") : (int)seconds;
    }

    // INSERT INTO ks.table (the columns whose value is not null) VALUES (one marker each).
    private string InsertOf(string table, string columns, object?[] all, out object?[] values)
    {
        var names = columns.Split(", ");
        var kept = Enumerable.Range(0, names.Length).Where(i => all[i] is not null).ToArray();
        values = [.. kept.Select(i => all[i])];
        return $"INSERT INTO {_ks}.{table} ({string.Join(", ", kept.Select(i => names[i]))}) VALUES ({string.Join(", ", kept.Select(_ => "?"))})";
    }

    private static CqlStatement Idempotent(string cql, params object?[] values) => new(cql, values) { IsIdempotent = true };

    private CqlStatement Conditional(string cql, params object?[] values) => new(cql, values) { SerialConsistency = _serial };
}
