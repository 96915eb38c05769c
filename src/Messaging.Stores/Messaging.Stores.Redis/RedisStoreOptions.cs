using Messaging.Redis;
using StackExchange.Redis;

namespace Messaging.Stores.Redis;

/// <summary>Options of the Redis stores (sequencer, messages, conversations, receipts, presence).</summary>
/// <remarks>
/// Set exactly one of <see cref="ConnectionString"/> (the stores create, own and dispose the connection) and
/// <see cref="ConnectionMultiplexer"/> (the host owns it; the stores never dispose it). Validated when the host
/// starts. The key layout is described in the package README.
/// </remarks>
public sealed class RedisStoreOptions
{
    /// <summary>The default of <see cref="PresenceShards"/>.</summary>
    public const int DefaultPresenceShards = 16;

    /// <summary>The default of <see cref="HotWindow"/>.</summary>
    public const int DefaultHotWindow = 1_000;

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>localhost:6379,password=...</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>A connection owned by the host, shared with other parts of the application.</summary>
    public IConnectionMultiplexer? ConnectionMultiplexer { get; set; }

    /// <summary>
    /// How many of the newest messages the store keeps per conversation, or <see langword="null"/> (the default) to keep
    /// every message. When the Redis store is the only message store, removing messages loses them for good, so the
    /// default keeps everything; set a retention only when Redis is a hot window in front of a durable store or when
    /// old messages may be dropped. Older messages are then removed as new ones arrive: the conversation's history
    /// starts later (<see cref="IMessageStore.GetHistoryStartAsync"/>), catch-up, gap filling and history skip the
    /// removed seqs like tombstones, and unread counts leave them out.
    /// </summary>
    public int? MessageRetention { get; set; }

    /// <summary>
    /// How many of the newest messages per conversation the Redis message store keeps when it is the hot window in
    /// front of a durable store of truth (Redis registered together with, for example, <c>UseCassandra</c>); default
    /// <see cref="DefaultHotWindow"/>. Reads of older messages go to the durable store. A smaller
    /// <see cref="MessageRetention"/> wins. Unused when Redis is the only message store.
    /// </summary>
    public int HotWindow { get; set; } = DefaultHotWindow;

    /// <summary>
    /// How many shards presence is split into (each sweeps atomically in one cluster slot). Every node of a deployment
    /// must use the same value; changing it strands existing leases until they are touched again. On a server that is
    /// not a cluster an idle sweep costs one command whatever the value (only shards with something due run a
    /// script); on Redis Cluster every sweep runs one script per shard.
    /// </summary>
    public int PresenceShards { get; set; } = DefaultPresenceShards;

    /// <summary>The options as text, with any password in the connection string redacted.</summary>
    /// <returns>A description safe to log.</returns>
    public override string ToString()
        => $"ConnectionString={RedisConnection.Redact(ConnectionString)}, ConnectionMultiplexer={(ConnectionMultiplexer is null ? "(none)" : "(host-owned)")}, MessageRetention={MessageRetention?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(keep everything)"}, HotWindow={HotWindow}, PresenceShards={PresenceShards}";

    // Null when valid, else every problem found.
    internal string? Validate()
    {
        var problems = new List<string>();
        if (RedisConnection.ValidateSource(ConnectionString, ConnectionMultiplexer) is { } source)
        {
            problems.Add(source);
        }

        if (MessageRetention < 1)
        {
            problems.Add("MessageRetention must be at least 1, or null to keep every message.");
        }

        if (HotWindow < 1)
        {
            problems.Add("HotWindow must be at least 1.");
        }

        if (PresenceShards is < 1 or > 16_384)
        {
            problems.Add("PresenceShards must be between 1 and 16384.");
        }

        return problems.Count == 0 ? null : string.Join(" ", problems);
    }
}
