using System.Globalization;
using Messaging.Redis;
using StackExchange.Redis;

namespace Messaging.Stores.Redis;

/// <summary>
/// An <see cref="IPresenceStore"/> in Redis: per user a sorted set of device leases and a state hash; users are
/// spread over <see cref="RedisStoreOptions.PresenceShards"/> shards, each with a sorted set of its users' latest
/// lease expiry, which <see cref="ExpireAsync"/> sweeps with one Lua script per shard that has something due.
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
/// Idle cost: on a server that is not a cluster, the touch and sweep scripts also keep a due index exact (per shard,
/// the earliest lease expiry in it), so a sweep is one <c>ZRANGEBYSCORE</c> of that index followed by a script only
/// for the shards with something due: with nothing due, G gateways cost G commands per sweep interval, whatever the
/// shard count. The index's lowest score is also the store's forecast (<see cref="GetNextExpiryAsync"/>), with which
/// the engine sweeps only once something may be due: an idle gateway then reads it once per shortest lease (the
/// presence grace period, by default 5 s) instead of sweeping every second. Every gateway checks, so no node holds a
/// sweeping duty that others would have to take over when it dies; several gateways finding one shard due each run its
/// script and the atomic claims report every user once.
/// Once a minute (of the <c>now</c> the sweeps are given) one gateway, the one whose <c>ZREM</c> claims the index's
/// <c>full</c> mark, sweeps every shard and sets the mark a minute ahead; that finds leases the index does not know of
/// (written by a version without the index during a rolling upgrade, by a touch made before the node first saw its
/// server connected, or lost with an evicted index), whose offline is then reported up to a minute late. A touch
/// brings back a missing mark, due when its lease lapses. On Redis Cluster, where a script cannot write the index's slot,
/// every sweep runs one script per shard.
/// </para>
/// <para>
/// Limits: lease expiries are kept to the millisecond (rounded up, "now" rounded down, so a lease never lapses
/// early). Every node must use the same shard count.
/// </para>
/// </remarks>
public sealed class RedisPresenceStore : IPresenceStore, IPresenceExpiryForecast
{
    // Users claimed per script call: bounds how long one sweep blocks Redis.
    private const int SweepBatchSize = 256;

    // How often (in the sweeps' own time) one gateway sweeps every shard instead of only those the due index names.
    private static readonly long FullSweepPeriodMilliseconds = (long)TimeSpan.FromMinutes(1).TotalMilliseconds;

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
        var multiplexer = await _context.GetMultiplexerAsync(cancellationToken).ConfigureAwait(false);
        var shard = Shard(userId);
        var wentOnline = (int)await RedisStoreContext.Guard(
            RedisScripts.PresenceTouch.EvaluateAsync(
                multiplexer.GetDatabase(),
                [RedisKeys.PresenceExpiries(shard), RedisKeys.PresenceLeases(shard, userId), RedisKeys.PresenceState(shard, userId)],
                [userId, deviceId, StoredTime.Ticks(activeAt), CeilingMilliseconds(expiresAt), DueIndexHere(multiplexer), shard]),
            cancellationToken).ConfigureAwait(false);
        return wentOnline == 1 ? new PresenceChange(userId, PresenceStatus.Online, null) : null;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<PresenceChange>> ExpireAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var multiplexer = await _context.GetMultiplexerAsync(cancellationToken).ConfigureAwait(false);
        var database = multiplexer.GetDatabase();
        var nowMs = now.ToUnixTimeMilliseconds();
        var dueIndex = DueIndexHere(multiplexer);
        var changes = new List<PresenceChange>();
        var due = await DueShardsAsync(database, nowMs, dueIndex, cancellationToken).ConfigureAwait(false);
        while (due.Length > 0)
        {
            // One pipelined round trip for all shards still due; a shard that hit the batch size goes again.
            var batch = database.CreateBatch();
            var sweeps = due.Select(shard => RedisScripts.PresenceExpire.EvaluateAsync(
                batch,
                [RedisKeys.PresenceExpiries(shard)],
                [nowMs, SweepBatchSize, RedisKeys.PresenceShardPrefix(shard), dueIndex, shard],
                database)).ToArray();
            var replies = await RedisStoreContext.Guard(RedisConnection.Send(batch, Task.WhenAll(sweeps)), cancellationToken).ConfigureAwait(false);

            var again = new List<int>();
            for (var i = 0; i < replies.Length; i++)
            {
                var reply = (RedisResult[])replies[i]!;
                if ((int)reply[0] == SweepBatchSize)
                {
                    again.Add(due[i]);
                }

                for (var j = 1; j + 1 < reply.Length; j += 2)
                {
                    changes.Add(new PresenceChange((string)reply[j]!, PresenceStatus.Offline, StoredTime.FromTicksOrNull((string?)reply[j + 1])));
                }
            }

            due = [.. again];
        }

        return changes;
    }

    /// <inheritdoc />
    /// <remarks>
    /// The lowest score of the due index: the earliest time a user of any shard goes offline (each user's entry is
    /// their latest lease, which every touch rewrites, also when it shortens one), or the next full sweep's mark if that
    /// comes first, so the full sweep still runs once a minute. One command; <see langword="null"/> on Redis Cluster,
    /// where there is no due index.
    /// </remarks>
    public async ValueTask<DateTimeOffset?> GetNextExpiryAsync(CancellationToken cancellationToken = default)
    {
        var multiplexer = await _context.GetMultiplexerAsync(cancellationToken).ConfigureAwait(false);
        if (DueIndexHere(multiplexer).IsNullOrEmpty)
        {
            return null;
        }

        var first = await RedisStoreContext.Guard(multiplexer.GetDatabase().SortedSetRangeByRankWithScoresAsync(RedisKeys.PresenceDue(), 0, 0), cancellationToken).ConfigureAwait(false);
        return first.Length == 0 ? DateTimeOffset.MaxValue : DateTimeOffset.FromUnixTimeMilliseconds((long)first[0].Score);
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

    // The shards a sweep at nowMs runs a script for: those the due index names, or every shard when there is no index
    // (a cluster) or this sweep claimed the full-sweep mark (moved a period ahead in the claim itself, so a failing
    // sweep never loses it).
    private async Task<int[]> DueShardsAsync(IDatabase database, long nowMs, RedisValue dueIndex, CancellationToken cancellationToken)
    {
        if (dueIndex.IsNullOrEmpty)
        {
            return AllShards();
        }

        var due = await RedisStoreContext.Guard(database.SortedSetRangeByScoreWithScoresAsync(RedisKeys.PresenceDue(), double.NegativeInfinity, nowMs), cancellationToken).ConfigureAwait(false);
        foreach (var entry in due)
        {
            if (entry.Element == RedisKeys.PresenceFullSweep && await ClaimFullSweepAsync(database, entry.Score, nowMs, cancellationToken).ConfigureAwait(false))
            {
                return AllShards();
            }
        }

        var shards = new List<int>(due.Length);
        foreach (var member in due.Select(e => e.Element))
        {
            if (int.TryParse((string?)member, NumberStyles.None, CultureInfo.InvariantCulture, out var shard) && shard < _context.PresenceShards)
            {
                shards.Add(shard);
            }
        }

        return [.. shards];
    }

    // Moves the full-sweep mark a period ahead only if it still has the score this sweep read (a transaction on that
    // condition), so of the gateways that saw it due exactly one claims it, and the mark is never missing meanwhile.
    private static async Task<bool> ClaimFullSweepAsync(IDatabase database, double dueScore, long nowMs, CancellationToken cancellationToken)
    {
        var claim = database.CreateTransaction();
        claim.AddCondition(Condition.SortedSetEqual(RedisKeys.PresenceDue(), RedisKeys.PresenceFullSweep, dueScore));
        _ = claim.SortedSetAddAsync(RedisKeys.PresenceDue(), RedisKeys.PresenceFullSweep, nowMs + FullSweepPeriodMilliseconds);
        return await RedisStoreContext.Guard(claim.ExecuteAsync(), cancellationToken).ConfigureAwait(false);
    }

    private int[] AllShards() => [.. Enumerable.Range(0, _context.PresenceShards)];

    // The due index's key for the scripts to keep, or '' on a cluster (or before the topology is known), where a
    // script cannot write it.
    private RedisValue DueIndexHere(IConnectionMultiplexer multiplexer)
        => _context.IsStandalone(multiplexer) ? (string)RedisKeys.PresenceDue()! : string.Empty;

    private int Shard(string userId) => RedisKeys.PresenceShard(userId, _context.PresenceShards);
}
