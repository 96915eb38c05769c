namespace Messaging.Stores.Cassandra;

/// <summary>
/// Every CQL name the package uses: the default keyspace and one constant per table. The schema
/// (<see cref="CassandraSchema"/>) and the statements of the stores (<see cref="CassandraStatements"/>) read them from here.
/// </summary>
internal static class CassandraNames
{
    /// <summary>The keyspace of the stores when <see cref="CassandraOptions.Keyspace"/> is not set.</summary>
    public const string DefaultKeyspace = "messaging";

    /// <summary>Messages, partitioned by (conversation, seq bucket), clustered by seq.</summary>
    public const string Messages = "messages";

    /// <summary>One row per conversation: the last seq hint and where the history starts.</summary>
    public const string ConversationSeq = "conversation_seq";

    /// <summary>De-duplication claims, in the conversation's partition, each with the window as its TTL.</summary>
    public const string DeduplicationClaims = "dedup_claims";

    /// <summary>Message id to (conversation, seq).</summary>
    public const string MessageIds = "message_ids";

    /// <summary>Conversations with their members and the version their membership changes are conditioned on.</summary>
    public const string Conversations = "conversations";

    /// <summary>One row per conversation: its last seq and activity time, each written with itself as the write time.</summary>
    public const string ConversationActivity = "conversation_activity";

    /// <summary>A partition per user: the conversations the user is (or may be) a member of.</summary>
    public const string UserConversations = "user_conversations";

    /// <summary>A partition per user: the conversations the user left, with the seq up to which they still receive.</summary>
    public const string UserDepartures = "user_departures";

    /// <summary>Receipt marks, a partition per conversation, a row per (user, device).</summary>
    public const string Receipts = "receipts";

    /// <summary>
    /// The counters of the sequencer on lightweight transactions (<c>UseCassandraSequencer</c>): one row per
    /// conversation with the last seq handed out (a plain <c>bigint</c>: counter columns cannot be conditioned on) and
    /// the token of the call that wrote it.
    /// </summary>
    public const string SequenceCounters = "seq_counters";

    /// <summary>The keyspace the stores use with these options.</summary>
    /// <param name="options">The options.</param>
    /// <returns><see cref="CassandraOptions.Keyspace"/>, or <see cref="DefaultKeyspace"/>.</returns>
    public static string KeyspaceOf(CassandraOptions options) => options.Keyspace ?? DefaultKeyspace;
}
