using System.Collections.Concurrent;
using System.Globalization;
using Messaging.Redis;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Messaging.Transports.Redis;

/// <summary>
/// An <see cref="IConnectionDirectory"/> in Redis: one hash per user (connection id → node and device), one set per
/// followed topic (the nodes following it) and one lease key per node holding the node's deadline.
/// </summary>
/// <remarks>
/// <para>
/// Guarantees: a connection or follow record is visible from its registration until it is removed or until its node
/// has gone <see cref="Ttl"/> (measured on the given <see cref="TimeProvider"/>) without a registration, a follow or a
/// <see cref="RefreshNodeAsync"/>. Records of such a dead node are ignored by every read and deleted by the read
/// that finds them. Every node sees every other node's records.
/// </para>
/// <para>
/// Limits: the node's deadline is computed from the caller's clock, so nodes need roughly synchronised clocks (a
/// skew shortens or lengthens leases by the same amount). A lease key also expires in Redis one minute after its
/// deadline, so keys of dead nodes do not pile up; a user hash holding only dead entries stays until that user is
/// looked up again. Refresh at least every TTL/2.
/// </para>
/// <para>
/// Cost: a read of any number of users takes one round trip for their hashes (pipelined), a read of a topic's
/// followers one for its set; the leases of the nodes they mention are read in a second one only for nodes whose
/// deadline this instance has not seen yet or saw pass. A follow or unfollow of any number of topics is one round trip. A deadline only moves forward (every
/// write sets "now + TTL" of the writing node), so a node known to be live until a deadline is live until then
/// without asking Redis again; the node's own registrations and refreshes record the deadline they wrote.
/// </para>
/// </remarks>
public sealed class RedisConnectionDirectory : IConnectionDirectory, IAsyncDisposable
{
    // How long a lease key outlives its deadline in Redis: only garbage collection, liveness is the deadline.
    private static readonly TimeSpan LeaseKeyGrace = TimeSpan.FromMinutes(1);

    // How many node deadlines are remembered before the passed ones are dropped.
    private const int LeaseCacheLimit = 1024;

    private readonly RedisConnection _connection;
    private readonly TimeProvider _timeProvider;

    // Node id -> the latest lease deadline (Unix ms) seen in Redis or written by this instance.
    private readonly ConcurrentDictionary<string, long> _leases = new(StringComparer.Ordinal);

    // False when the connection is shared (DI) and disposed by its registration.
    private readonly bool _disposeConnection;

    /// <summary>Creates a directory on a multiplexer owned by the host (never disposed by the directory).</summary>
    /// <param name="multiplexer">The connection to Redis.</param>
    /// <param name="timeProvider">The clock of the node leases.</param>
    /// <param name="ttl">How long a node's entries live without a refresh; <see cref="RedisTransportOptions.DefaultDirectoryTtl"/> when <see langword="null"/>.</param>
    /// <param name="logger">Logs connection events; none when <see langword="null"/>.</param>
    public RedisConnectionDirectory(IConnectionMultiplexer multiplexer, TimeProvider timeProvider, TimeSpan? ttl = null, ILogger<RedisConnectionDirectory>? logger = null)
        : this(RedisConnection.Borrow(multiplexer, logger), timeProvider, ttl ?? RedisTransportOptions.DefaultDirectoryTtl)
    {
        _disposeConnection = true;
    }

    internal RedisConnectionDirectory(RedisConnection connection, TimeProvider timeProvider, TimeSpan ttl)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        _connection = connection;
        _timeProvider = timeProvider;
        Ttl = ttl;
    }

    /// <summary>How long a node's entries live without a refresh.</summary>
    public TimeSpan Ttl { get; }

    /// <inheritdoc />
    public async ValueTask RegisterAsync(DeviceConnection connection, CancellationToken cancellationToken = default)
    {
        Validate(connection);
        var database = await GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var batch = database.CreateBatch();
        var stored = batch.HashSetAsync(RedisChannels.DirectoryUser(connection.UserId), connection.ConnectionId, EncodeEntry(connection.NodeId, connection.DeviceId));
        var (leased, deadline) = RenewLease(batch, connection.NodeId);
        await AwaitAsync(RedisConnection.Send(batch, Task.WhenAll(stored, leased)), cancellationToken).ConfigureAwait(false);
        RememberLease(connection.NodeId, deadline);
    }

    /// <inheritdoc />
    public async ValueTask UnregisterAsync(DeviceConnection connection, CancellationToken cancellationToken = default)
    {
        Validate(connection);
        var database = await GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        await AwaitAsync(database.HashDeleteAsync(RedisChannels.DirectoryUser(connection.UserId), connection.ConnectionId), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask RefreshNodeAsync(string nodeId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        var database = await GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var (leased, deadline) = RenewLease(database, nodeId);
        await AwaitAsync(leased, cancellationToken).ConfigureAwait(false);
        RememberLease(nodeId, deadline);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<DeviceConnection>> GetConnectionsAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        var live = await ReadLiveAsync([userId], cancellationToken).ConfigureAwait(false);
        return live[0];
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<DeviceConnection>> GetConnectionsOfAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        var users = userIds.Distinct(StringComparer.Ordinal).ToArray();
        var live = await ReadLiveAsync(users, cancellationToken).ConfigureAwait(false);
        return [.. live.SelectMany(connections => connections)];
    }

    /// <inheritdoc />
    public async ValueTask FollowAsync(string nodeId, IReadOnlyCollection<FollowTopic> topics, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        ArgumentNullException.ThrowIfNull(topics);
        var database = await GetDatabaseAsync(cancellationToken).ConfigureAwait(false);

        // One round trip: the SADDs and the lease renewal back to back in one batch.
        var batch = database.CreateBatch();
        var writes = new List<Task>(topics.Count + 1);
        foreach (var topic in topics)
        {
            writes.Add(batch.SetAddAsync(RedisChannels.DirectoryFollowers(topic), nodeId));
        }

        var (leased, deadline) = RenewLease(batch, nodeId);
        writes.Add(leased);
        await AwaitAsync(RedisConnection.Send(batch, Task.WhenAll(writes)), cancellationToken).ConfigureAwait(false);
        RememberLease(nodeId, deadline);
    }

    /// <inheritdoc />
    public async ValueTask UnfollowAsync(string nodeId, IReadOnlyCollection<FollowTopic> topics, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        ArgumentNullException.ThrowIfNull(topics);
        if (topics.Count == 0)
        {
            return;
        }

        var database = await GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var batch = database.CreateBatch();
        var writes = topics.Select(topic => (Task)batch.SetRemoveAsync(RedisChannels.DirectoryFollowers(topic), nodeId)).ToArray();
        await AwaitAsync(RedisConnection.Send(batch, Task.WhenAll(writes)), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlySet<string>> GetFollowersAsync(FollowTopic topic, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topic.Id, nameof(topic));
        var database = await GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var key = RedisChannels.DirectoryFollowers(topic);
        var members = await AwaitAsync(database.SetMembersAsync(key), cancellationToken).ConfigureAwait(false);
        var nodes = members.Select(m => (string)m!).ToArray();
        var liveness = await LivenessAsync(database, nodes, cancellationToken).ConfigureAwait(false);
        var live = new HashSet<string>(StringComparer.Ordinal);
        List<RedisValue>? dead = null;
        foreach (var node in nodes)
        {
            if (liveness[node])
            {
                live.Add(node);
            }
            else
            {
                (dead ??= []).Add(node);
            }
        }

        if (dead is not null)
        {
            // A dead node's records go with it; a failed removal is repeated by the next read.
            _ = database.SetRemoveAsync(key, [.. dead], CommandFlags.FireAndForget);
        }

        return live;
    }

    /// <summary>Detaches from the connection; a connection the directory created is closed.</summary>
    /// <returns>A task that completes when closed.</returns>
    public ValueTask DisposeAsync() => _disposeConnection ? _connection.DisposeAsync() : ValueTask.CompletedTask;

    // "<nodeId length>:<nodeId><deviceId>": unambiguous whatever the ids contain.
    internal static string EncodeEntry(string nodeId, string deviceId)
        => string.Create(CultureInfo.InvariantCulture, $"{nodeId.Length}:{nodeId}{deviceId}");

    internal static bool TryDecodeEntry(string value, out string nodeId, out string deviceId)
    {
        nodeId = deviceId = string.Empty;
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0
            || !int.TryParse(value.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var length)
            || length > value.Length - colon - 1)
        {
            return false;
        }

        nodeId = value.Substring(colon + 1, length);
        deviceId = value[(colon + 1 + length)..];
        return nodeId.Length > 0 && deviceId.Length > 0;
    }

    private static void Validate(DeviceConnection connection)
    {
        ArgumentException.ThrowIfNullOrEmpty(connection.UserId, nameof(connection));
        ArgumentException.ThrowIfNullOrEmpty(connection.DeviceId, nameof(connection));
        ArgumentException.ThrowIfNullOrEmpty(connection.ConnectionId, nameof(connection));
        ArgumentException.ThrowIfNullOrEmpty(connection.NodeId, nameof(connection));
    }

    private static Task<T> AwaitAsync<T>(Task<T> task, CancellationToken cancellationToken)
        => RedisConnection.Guard(task, "The Redis connection directory failed.", cancellationToken);

    private static Task AwaitAsync(Task task, CancellationToken cancellationToken)
        => RedisConnection.Guard(task, "The Redis connection directory failed.", cancellationToken);

    private (Task<bool> Written, long Deadline) RenewLease(IDatabaseAsync database, string nodeId)
    {
        var deadline = (_timeProvider.GetUtcNow() + Ttl).ToUnixTimeMilliseconds();
        return (database.StringSetAsync(RedisChannels.DirectoryNode(nodeId), deadline, Ttl + LeaseKeyGrace), deadline);
    }

    // Keeps the later of the known and the given deadline of a node.
    private void RememberLease(string nodeId, long deadline)
    {
        if (_leases.Count >= LeaseCacheLimit)
        {
            var now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
            foreach (var (node, known) in _leases)
            {
                if (known <= now)
                {
                    _leases.TryRemove(new KeyValuePair<string, long>(node, known));
                }
            }

            if (_leases.Count >= LeaseCacheLimit)
            {
                return;
            }
        }

        _leases.AddOrUpdate(nodeId, static (_, given) => given, static (_, known, given) => Math.Max(known, given), deadline);
    }

    private async ValueTask<IDatabase> GetDatabaseAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var multiplexer = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        return multiplexer.GetDatabase();
    }

    // Reads the users' hashes and the leases of the nodes they mention whose deadline is not known to lie ahead (a
    // second round trip, only when there are such nodes), deletes the entries of dead nodes (and undecodable ones) and
    // returns the live connections per user, in input order.
    private async Task<List<DeviceConnection>[]> ReadLiveAsync(IReadOnlyList<string> userIds, CancellationToken cancellationToken)
    {
        var result = new List<DeviceConnection>[userIds.Count];
        if (userIds.Count == 0)
        {
            return result;
        }

        var database = await GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        HashEntry[][] hashes;
        if (userIds.Count == 1)
        {
            hashes = [await AwaitAsync(database.HashGetAllAsync(RedisChannels.DirectoryUser(userIds[0])), cancellationToken).ConfigureAwait(false)];
        }
        else
        {
            var batch = database.CreateBatch();
            var reads = userIds.Select(u => batch.HashGetAllAsync(RedisChannels.DirectoryUser(u))).ToArray();
            hashes = await AwaitAsync(RedisConnection.Send(batch, Task.WhenAll(reads)), cancellationToken).ConfigureAwait(false);
        }

        var mentioned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var hash in hashes)
        {
            foreach (var entry in hash)
            {
                if (TryDecodeEntry(entry.Value!, out var nodeId, out _))
                {
                    mentioned.Add(nodeId);
                }
            }
        }

        var nodes = await LivenessAsync(database, mentioned, cancellationToken).ConfigureAwait(false);
        var cleanup = database.CreateBatch();
        var dirty = false;
        for (var i = 0; i < userIds.Count; i++)
        {
            var live = new List<DeviceConnection>(hashes[i].Length);
            List<RedisValue>? dead = null;
            foreach (var entry in hashes[i])
            {
                if (TryDecodeEntry(entry.Value!, out var nodeId, out var deviceId) && nodes[nodeId])
                {
                    live.Add(new DeviceConnection(userIds[i], deviceId, entry.Name!, nodeId));
                }
                else
                {
                    (dead ??= []).Add(entry.Name);
                }
            }

            if (dead is not null)
            {
                // Fire-and-forget: a failed cleanup is repeated by the next read that meets the same entries.
                _ = cleanup.HashDeleteAsync(RedisChannels.DirectoryUser(userIds[i]), [.. dead], CommandFlags.FireAndForget);
                dirty = true;
            }

            result[i] = live;
        }

        if (dirty)
        {
            await AwaitAsync(RedisConnection.Send(cleanup, Task.FromResult(true)), cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    // Whether each node is live: from the known deadlines, and for nodes whose deadline is not known to lie ahead from
    // their lease keys (a second round trip, only when there are such nodes).
    private async Task<Dictionary<string, bool>> LivenessAsync(IDatabase database, IReadOnlyCollection<string> nodeIds, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var nodes = new Dictionary<string, bool>(nodeIds.Count, StringComparer.Ordinal);
        List<string>? unknown = null;
        foreach (var nodeId in nodeIds)
        {
            if (!nodes.ContainsKey(nodeId))
            {
                var live = _leases.TryGetValue(nodeId, out var known) && known > now;
                nodes.Add(nodeId, live);
                if (!live)
                {
                    (unknown ??= []).Add(nodeId);
                }
            }
        }

        if (unknown is not null)
        {
            var deadlines = await AwaitAsync(database.StringGetAsync([.. unknown.Select(RedisChannels.DirectoryNode)]), cancellationToken).ConfigureAwait(false);
            now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
            for (var i = 0; i < unknown.Count; i++)
            {
                var live = deadlines[i].TryParse(out long deadline) && deadline > now;
                nodes[unknown[i]] = live;
                if (live)
                {
                    RememberLease(unknown[i], deadline);
                }
            }
        }

        return nodes;
    }
}
