using System.Globalization;
using System.Text;
using StackExchange.Redis;

namespace Messaging.Stores.Redis;

/// <summary>Every Redis key this package uses.</summary>
/// <remarks>
/// <code>
/// messaging:conv:{c}:messages            ZSET    seq -> message payload (JSON, see StoredMessageCodec)
/// messaging:conv:{c}:log                 HASH    last (highest stored seq), trimmed (highest seq removed by retention)
/// messaging:conv:{c}:client:&lt;n&gt;:&lt;s&gt;&lt;m&gt;    STRING  de-duplication claim "&lt;seq&gt;" (or "&lt;seq&gt; &lt;payload&gt;" from the atomic step with a retention) per (sender s of length n, client msg id m), expires after the window
/// messaging:conv:{c}:seq                 STRING  the sequencer's counter
/// messaging:conv:{c}:seq-fence           STRING  run_id of the Redis server that last fenced the counter
/// messaging:conv:{c}:info                HASH    kind, name, created, last_seq, activity, activity_ms, next
/// messaging:conv:{c}:members             HASH    userId -> "&lt;join order&gt;|&lt;role&gt;|&lt;joined ticks&gt;"
/// messaging:conv:{c}:departures          HASH    userId -> seq of the removal (former members until added again)
/// messaging:conv:{c}:receipts:devices    HASH    "&lt;n&gt;:&lt;userId&gt;&lt;deviceId&gt;" -> mark
/// messaging:conv:{c}:receipts:users      HASH    userId -> mark (max over the user's devices)
/// messaging:msg:&lt;messageId&gt;              STRING  "&lt;seq&gt; &lt;conversation id&gt;" where the message is stored (no expiry)
/// messaging:user:{u}:conversations       ZSET    conversationId -> last activity (Unix ms)
/// messaging:user:{u}:departed            ZSET    conversationId -> activity when the user left (Unix ms)
/// messaging:contacts:{&lt;n&gt;:&lt;a&gt;&lt;b&gt;}        SET     who of a, b (a &lt; b, n = length of a) sent the other a direct message
/// messaging:presence:{p&lt;k&gt;}:expiries     ZSET    userId -> latest lease expiry (Unix ms), one per shard k
/// messaging:presence:{p&lt;k&gt;}:leases:&lt;u&gt;   ZSET    deviceId -> lease expiry (Unix ms)
/// messaging:presence:{p&lt;k&gt;}:user:&lt;u&gt;     HASH    online, active (UTC ticks), visibility
/// messaging:presence:due                 ZSET    k -> earliest lease expiry in shard k, full -> next sweep of every shard (Unix ms); not on a cluster
/// messaging:{media}:upload:&lt;m&gt;          HASH    owner, type, name, length, offset, created, updated, completed, sha256, shared
/// messaging:{media}:shares:&lt;m&gt;          SET     conversation ids the media was sent in
/// messaging:{media}:owner:&lt;u&gt;           HASH    mediaId -> "o|&lt;length&gt;" (open) or "c|&lt;length&gt;" (completed, never sent)
/// messaging:{media}:open                 ZSET    mediaId -> last update of an open upload (Unix ms)
/// messaging:{media}:unsent               ZSET    mediaId -> completion of an upload never sent (Unix ms)
/// </code>
/// <para>
/// <c>{c}</c> is the conversation id and <c>{u}</c> the user id inside a Redis Cluster hash tag, so every key of one
/// conversation (or user) is in one slot and the multi-key scripts run on a cluster. Braces and <c>%</c> in an id
/// are percent-encoded inside the tag, so the tag is always exactly the id and no two ids share a key. A user's
/// presence keys carry the tag of the user's shard <c>p&lt;k&gt;</c> (k = FNV-1a of the user id modulo the shard
/// count) so that one script can sweep a whole shard atomically; the due index has no tag, as only a server that is
/// not a cluster keeps it (there every script may write it). A pair's contact key holds the two user ids in
/// ordinal order, the first prefixed with its length, so each unordered pair has exactly one key.
/// Every media key carries the one tag <c>{media}</c>: an upload's scripts touch its record, its owner's quota and
/// the expiry indexes together, and the catalog is small metadata (the bytes live in the blob store).
/// </para>
/// </remarks>
internal static class RedisKeys
{
    /// <summary>The prefix of every key.</summary>
    public const string Prefix = "messaging:";

    private const string MediaPrefix = Prefix + "{media}:";

    public static RedisKey Messages(string conversationId) => Conversation(conversationId, ":messages");

    public static RedisKey MessageLog(string conversationId) => Conversation(conversationId, ":log");

    public static RedisKey ClientMessage(string conversationId, string senderId, string clientMsgId)
        => Conversation(conversationId, string.Create(CultureInfo.InvariantCulture, $":client:{senderId.Length}:{senderId}{clientMsgId}"));

    public static RedisKey Counter(string conversationId) => Conversation(conversationId, ":seq");

    public static RedisKey CounterFence(string conversationId) => Conversation(conversationId, ":seq-fence");

    public static RedisKey ConversationInfo(string conversationId) => Conversation(conversationId, ":info");

    public static RedisKey ConversationMembers(string conversationId) => Conversation(conversationId, ":members");

    public static RedisKey ConversationDepartures(string conversationId) => Conversation(conversationId, ":departures");

    public static RedisKey DeviceReceipts(string conversationId) => Conversation(conversationId, ":receipts:devices");

    public static RedisKey UserReceipts(string conversationId) => Conversation(conversationId, ":receipts:users");

    public static RedisKey MessageIndex(string messageId) => Prefix + "msg:" + messageId;

    public static RedisKey UserConversations(string userId) => Prefix + "user:{" + Tag(userId) + "}:conversations";

    public static RedisKey UserDeparted(string userId) => Prefix + "user:{" + Tag(userId) + "}:departed";

    public static RedisKey Contacts(string userA, string userB)
    {
        var (first, second) = string.CompareOrdinal(userA, userB) <= 0 ? (userA, userB) : (userB, userA);
        return Prefix + "contacts:{" + Tag(string.Create(CultureInfo.InvariantCulture, $"{first.Length}:{first}{second}")) + "}";
    }

    public static string PresenceShardPrefix(int shard) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}presence:{{p{shard}}}:");

    public static RedisKey PresenceDue() => Prefix + "presence:due";

    /// <summary>The member of <see cref="PresenceDue"/> whose score is when the next sweep of every shard is due.</summary>
    public const string PresenceFullSweep = "full";

    public static RedisKey PresenceExpiries(int shard) => PresenceShardPrefix(shard) + "expiries";

    public static RedisKey PresenceLeases(int shard, string userId) => PresenceShardPrefix(shard) + "leases:" + userId;

    public static RedisKey PresenceState(int shard, string userId) => PresenceShardPrefix(shard) + "user:" + userId;

    public static RedisKey MediaUpload(string mediaId) => MediaPrefix + "upload:" + mediaId;

    public static RedisKey MediaShares(string mediaId) => MediaPrefix + "shares:" + mediaId;

    public static RedisKey MediaOwner(string ownerId) => MediaPrefix + "owner:" + ownerId;

    public static RedisKey MediaOpen() => MediaPrefix + "open";

    public static RedisKey MediaUnsent() => MediaPrefix + "unsent";

    /// <summary>The presence shard of a user: stable across processes and versions (FNV-1a over UTF-8).</summary>
    public static int PresenceShard(string userId, int shardCount)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(userId))
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        return (int)(hash % (uint)shardCount);
    }

    /// <summary>The field of a device in a per-user hash: "&lt;userId length&gt;:&lt;userId&gt;&lt;deviceId&gt;".</summary>
    public static string DeviceField(string userId, string deviceId)
        => string.Create(CultureInfo.InvariantCulture, $"{userId.Length}:{userId}{deviceId}");

    private static RedisKey Conversation(string conversationId, string suffix) => Prefix + "conv:{" + Tag(conversationId) + "}" + suffix;

    // Percent-encodes the characters that would end or nest a hash tag (and '%' itself, so decoding is unambiguous).
    private static string Tag(string id)
        => id.AsSpan().IndexOfAny('{', '}', '%') < 0 ? id : id.Replace("%", "%25", StringComparison.Ordinal).Replace("{", "%7B", StringComparison.Ordinal).Replace("}", "%7D", StringComparison.Ordinal);
}
