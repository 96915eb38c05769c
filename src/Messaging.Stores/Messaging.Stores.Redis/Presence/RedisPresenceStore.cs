using Messaging.Redis;
using StackExchange.Redis;

namespace Messaging.Stores.Redis;

/// <summary>
/// An <see cref="IPresenceStore"/> in Redis: per user a sorted set of device leases and a state hash; users are
/// spread over <see cref="RedisStoreOptions.PresenceShards"/> shards, each with a sorted set of its users' latest
/// lease expiry, which <see cref="ExpireAsync"/> sweeps with one Lua script per shard.
/// </summary>
/// <remarks>
/// <para>
/// Guarantees: a user is online from the first <see cref="TouchAsync"/> until an <see cref="ExpireAsync"/> finds all
/// of the user's leases lapsed (<c>expiresAt &lt;= now</c>). Each online transition is returned by exactly one touch
/// and each offline transition by exactly one sweep, also with several nodes sweeping at once: a user's keys and
/// the user's shard index share one hash tag, so touching and claiming are single atomic scripts (also on Redis
/// Cluster). Last seen is the latest <c>activeAt</c> of any of the user's devices. A touch replaces the device's
/// expiry (a disconnect may shorten it to a grace period) and never moves the activity time backwards.
/// <see cref="GetAsync"/> reports the state as of the last sweep.
/// </para>
/// <para>
/// Limits: lease expiries are kept to the millisecond (rounded up, "now" rounded down, so a lease never lapses
/// early). Every node must use the same shard count.
/// </para>
/// </remarks>
public sealed class RedisPresenceStore : IPresenceStore
{
    // Users claimed per script call: bounds how long one sweep blocks Redis.
    private const int SweepBatchSize = 256;

    private readonly RedisStoreContext _context;

    /// <summary>Creates a store on a multiplexer owned by the host (never disposed by the store).</summary>
    /// <param name="multiplexer">The connection to Redis.</param>
    /// <param name="options">The shard count; the connection settings in it are ignored.</param>
    public RedisPresenceStore(IConnectionMultiplexer multiplexer, RedisStoreOptions? options = null)
        : this(RedisStoreContext.Create(RedisConnection.Borrow(multiplexer, null), options))
    {
    }

    internal RedisPresenceStore(RedisStoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
    }

    /// <inheritdoc />
    public async ValueTask<PresenceChange?> TouchAsync(string userId, string deviceId, DateTimeOffset activeAt, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(deviceId);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var shard = Shard(userId);
        var wentOnline = (int)await RedisStoreContext.Guard(
            RedisScripts.PresenceTouch.EvaluateAsync(
                database,
                [RedisKeys.PresenceExpiries(shard), RedisKeys.PresenceLeases(shard, userId), RedisKeys.PresenceState(shard, userId)],
                [userId, deviceId, StoredTime.Ticks(activeAt), CeilingMilliseconds(expiresAt)]),
            cancellationToken).ConfigureAwait(false);
        return wentOnline == 1 ? new PresenceChange(userId, PresenceStatus.Online, null) : null;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<PresenceChange>> ExpireAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var nowMs = now.ToUnixTimeMilliseconds();
        var changes = new List<PresenceChange>();
        IEnumerable<int> due = Enumerable.Range(0, _context.PresenceShards);
        while (true)
        {
            // One pipelined round trip for all shards still due; a shard that hit the batch size goes again.
            var shards = due.ToArray();
            if (shards.Length == 0)
            {
                return changes;
            }

            var batch = database.CreateBatch();
            var sweeps = shards.Select(shard => RedisScripts.PresenceExpire.EvaluateAsync(
                batch,
                [RedisKeys.PresenceExpiries(shard)],
                [nowMs, SweepBatchSize, RedisKeys.PresenceShardPrefix(shard)])).ToArray();
            var replies = await RedisStoreContext.Guard(RedisConnection.Send(batch, Task.WhenAll(sweeps)), cancellationToken).ConfigureAwait(false);

            var again = new List<int>();
            for (var i = 0; i < replies.Length; i++)
            {
                var reply = (RedisResult[])replies[i]!;
                if ((int)reply[0] == SweepBatchSize)
                {
                    again.Add(shards[i]);
                }

                for (var j = 1; j + 1 < reply.Length; j += 2)
                {
                    changes.Add(new PresenceChange((string)reply[j]!, PresenceStatus.Offline, StoredTime.FromTicksOrNull((string?)reply[j + 1])));
                }
            }

            due = again;
        }
    }

    /// <inheritdoc />
    public async ValueTask<PresenceChange> GetAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var fields = await RedisStoreContext.Guard(database.HashGetAsync(RedisKeys.PresenceState(Shard(userId), userId), ["online", "active"]), cancellationToken).ConfigureAwait(false);
        return fields[0] == "1"
            ? new PresenceChange(userId, PresenceStatus.Online, null)
            : new PresenceChange(userId, PresenceStatus.Offline, StoredTime.FromTicksOrNull(fields[1]));
    }

    /// <inheritdoc />
    public async ValueTask<PresenceVisibility> GetVisibilityAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var value = await RedisStoreContext.Guard(database.HashGetAsync(RedisKeys.PresenceState(Shard(userId), userId), "visibility"), cancellationToken).ConfigureAwait(false);
        return (string?)value switch
        {
            "contacts" => PresenceVisibility.Contacts,
            "nobody" => PresenceVisibility.Nobody,
            _ => PresenceVisibility.Everyone,
        };
    }

    /// <inheritdoc />
    public async ValueTask SetVisibilityAsync(string userId, PresenceVisibility visibility, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        var name = visibility switch
        {
            PresenceVisibility.Everyone => "everyone",
            PresenceVisibility.Contacts => "contacts",
            PresenceVisibility.Nobody => "nobody",
            _ => throw new ArgumentOutOfRangeException(nameof(visibility), visibility, "Unknown visibility."),
        };
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        await RedisStoreContext.Guard(database.HashSetAsync(RedisKeys.PresenceState(Shard(userId), userId), "visibility", name), cancellationToken).ConfigureAwait(false);
    }

    private static long CeilingMilliseconds(DateTimeOffset time)
    {
        var milliseconds = time.ToUnixTimeMilliseconds();
        return time > DateTimeOffset.FromUnixTimeMilliseconds(milliseconds) ? milliseconds + 1 : milliseconds;
    }

    private int Shard(string userId) => RedisKeys.PresenceShard(userId, _context.PresenceShards);
}
