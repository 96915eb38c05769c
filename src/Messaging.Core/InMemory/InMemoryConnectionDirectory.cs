using System.Collections.Concurrent;

namespace Messaging;

/// <summary>An <see cref="IConnectionDirectory"/> held in process memory, with node leases on a <see cref="TimeProvider"/>.</summary>
/// <remarks>
/// <para>
/// Guarantees: a connection or follow record is visible from its registration until it is removed or until its node
/// has gone <see cref="Ttl"/> without a registration, a follow or a <see cref="RefreshNodeAsync"/> (then all of the
/// node's records disappear together and are purged). Thread-safe; lookups take no lock, and registrations of different users never
/// contend.
/// </para>
/// <para>Limits: one process only; nodes in other processes cannot see these entries. Refresh at least every TTL/2.</para>
/// </remarks>
public sealed class InMemoryConnectionDirectory : IConnectionDirectory
{
    /// <summary>The TTL used when none is given.</summary>
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromSeconds(90);

    private readonly TimeProvider _timeProvider;
    private readonly long _ttlTicks;
    private readonly ConcurrentDictionary<string, UserConnections> _byUser = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, NodeLease> _nodes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<FollowTopic, ConcurrentDictionary<string, NodeLease>> _followers = new();

    /// <summary>Creates a directory.</summary>
    /// <param name="timeProvider">The clock of the node leases.</param>
    /// <param name="ttl">How long a node's entries live without a refresh; <see cref="DefaultTtl"/> when <see langword="null"/>.</param>
    public InMemoryConnectionDirectory(TimeProvider timeProvider, TimeSpan? ttl = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        var value = ttl ?? DefaultTtl;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(ttl));
        _timeProvider = timeProvider;
        Ttl = value;
        _ttlTicks = value.Ticks;
    }

    /// <summary>How long a node's entries live without a refresh.</summary>
    public TimeSpan Ttl { get; }

    /// <inheritdoc />
    public ValueTask RegisterAsync(DeviceConnection connection, CancellationToken cancellationToken = default)
    {
        Validate(connection);
        cancellationToken.ThrowIfCancellationRequested();
        var lease = _nodes.GetOrAdd(connection.NodeId, static _ => new NodeLease());
        lease.Renew(Now());
        while (true)
        {
            var user = _byUser.GetOrAdd(connection.UserId, static _ => new UserConnections());
            lock (user)
            {
                // A user emptied and removed concurrently is retired: register into a fresh one.
                if (!user.Retired)
                {
                    user.Set(new Entry(connection, lease));
                    return ValueTask.CompletedTask;
                }
            }
        }
    }

    /// <inheritdoc />
    public ValueTask UnregisterAsync(DeviceConnection connection, CancellationToken cancellationToken = default)
    {
        Validate(connection);
        cancellationToken.ThrowIfCancellationRequested();
        if (_byUser.TryGetValue(connection.UserId, out var user))
        {
            lock (user)
            {
                if (user.Remove(connection.ConnectionId))
                {
                    RetireIfEmpty(connection.UserId, user);
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask RefreshNodeAsync(string nodeId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        cancellationToken.ThrowIfCancellationRequested();
        _nodes.GetOrAdd(nodeId, static _ => new NodeLease()).Renew(Now());
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<DeviceConnection>> GetConnectionsAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        if (LiveEntries(userId, Now()) is not { } entries)
        {
            return ValueTask.FromResult<IReadOnlyList<DeviceConnection>>([]);
        }

        var connections = new DeviceConnection[entries.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            connections[i] = entries[i].Connection;
        }

        return ValueTask.FromResult<IReadOnlyList<DeviceConnection>>(connections);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<DeviceConnection>> GetConnectionsOfAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        cancellationToken.ThrowIfCancellationRequested();
        var now = Now();
        List<DeviceConnection>? connections = null;
        HashSet<string>? seen = userIds.Count > 1 ? new HashSet<string>(StringComparer.Ordinal) : null;
        foreach (var userId in userIds)
        {
            ArgumentNullException.ThrowIfNull(userId, nameof(userIds));
            if ((seen is null || seen.Add(userId)) && LiveEntries(userId, now) is { } entries)
            {
                connections ??= [];
                foreach (var entry in entries)
                {
                    connections.Add(entry.Connection);
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<DeviceConnection>>(connections is null ? [] : connections);
    }

    /// <inheritdoc />
    public ValueTask FollowAsync(string nodeId, IReadOnlyCollection<FollowTopic> topics, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        ArgumentNullException.ThrowIfNull(topics);
        cancellationToken.ThrowIfCancellationRequested();
        var lease = _nodes.GetOrAdd(nodeId, static _ => new NodeLease());
        lease.Renew(Now());
        foreach (var topic in topics)
        {
            ArgumentNullException.ThrowIfNull(topic.Id, nameof(topics));
            _followers.GetOrAdd(topic, static _ => new ConcurrentDictionary<string, NodeLease>(StringComparer.Ordinal))[nodeId] = lease;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask UnfollowAsync(string nodeId, IReadOnlyCollection<FollowTopic> topics, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        ArgumentNullException.ThrowIfNull(topics);
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var topic in topics)
        {
            if (_followers.TryGetValue(topic, out var nodes))
            {
                nodes.TryRemove(nodeId, out _);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlySet<string>> GetFollowersAsync(FollowTopic topic, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topic.Id, nameof(topic));
        cancellationToken.ThrowIfCancellationRequested();
        if (!_followers.TryGetValue(topic, out var nodes))
        {
            return ValueTask.FromResult<IReadOnlySet<string>>(new HashSet<string>(StringComparer.Ordinal));
        }

        var now = Now();
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (nodeId, lease) in nodes)
        {
            if (lease.HasLapsed(now, _ttlTicks))
            {
                // A dead node's record goes with it (a node that comes back follows again).
                nodes.TryRemove(new KeyValuePair<string, NodeLease>(nodeId, lease));
            }
            else
            {
                live.Add(nodeId);
            }
        }

        return ValueTask.FromResult<IReadOnlySet<string>>(live);
    }

    private static void Validate(DeviceConnection connection)
    {
        ArgumentException.ThrowIfNullOrEmpty(connection.UserId, nameof(connection));
        ArgumentException.ThrowIfNullOrEmpty(connection.DeviceId, nameof(connection));
        ArgumentException.ThrowIfNullOrEmpty(connection.ConnectionId, nameof(connection));
        ArgumentException.ThrowIfNullOrEmpty(connection.NodeId, nameof(connection));
    }

    private long Now() => _timeProvider.GetUtcNow().UtcTicks;

    // The user's entries on live nodes, or null when none.
    private Entry[]? LiveEntries(string userId, long now) => LiveUser(userId, now, out var entries) is null ? null : entries;

    // The user when some entry is on a live node, or null. Reads a snapshot without a lock; only when some entry's
    // node has lapsed does it take the user's lock to purge them.
    private UserConnections? LiveUser(string userId, long now, out Entry[] entries)
    {
        if (!_byUser.TryGetValue(userId, out var user))
        {
            entries = [];
            return null;
        }

        entries = user.Entries;
        foreach (var entry in entries)
        {
            if (entry.Lease.HasLapsed(now, _ttlTicks))
            {
                lock (user)
                {
                    user.RemoveLapsed(now, _ttlTicks);
                    RetireIfEmpty(userId, user);
                    entries = user.Entries;
                }

                break;
            }
        }

        return entries.Length == 0 ? null : user;
    }

    // Called under the user's lock.
    private void RetireIfEmpty(string userId, UserConnections user)
    {
        if (user.Entries.Length == 0 && !user.Retired)
        {
            user.Retired = true;
            _byUser.TryRemove(new KeyValuePair<string, UserConnections>(userId, user));
        }
    }

    // When a node last registered or refreshed, in UTC ticks; written and read without a lock.
    private sealed class NodeLease
    {
        private long _renewedAt;

        // Never moves backwards, so a late refresh cannot shorten a lease a concurrent one extended.
        public void Renew(long now) => AtomicMax.RaiseTo(ref _renewedAt, now);

        public bool HasLapsed(long now, long ttlTicks) => now - Volatile.Read(ref _renewedAt) >= ttlTicks;
    }

    private readonly record struct Entry(DeviceConnection Connection, NodeLease Lease);

    // One user's connections: an immutable array replaced under the object's lock, read without it.
    private sealed class UserConnections
    {
        private Entry[] _entries = [];

        public Entry[] Entries => Volatile.Read(ref _entries);

        public bool Retired { get; set; }

        public void Set(Entry entry)
        {
            var entries = _entries;
            for (var i = 0; i < entries.Length; i++)
            {
                if (string.Equals(entries[i].Connection.ConnectionId, entry.Connection.ConnectionId, StringComparison.Ordinal))
                {
                    var replaced = (Entry[])entries.Clone();
                    replaced[i] = entry;
                    Volatile.Write(ref _entries, replaced);
                    return;
                }
            }

            Volatile.Write(ref _entries, [.. entries, entry]);
        }

        public bool Remove(string connectionId)
        {
            var entries = _entries;
            var index = Array.FindIndex(entries, e => string.Equals(e.Connection.ConnectionId, connectionId, StringComparison.Ordinal));
            if (index < 0)
            {
                return false;
            }

            Volatile.Write(ref _entries, [.. entries.AsSpan(0, index), .. entries.AsSpan(index + 1)]);
            return true;
        }

        public void RemoveLapsed(long now, long ttlTicks) => Volatile.Write(ref _entries, Array.FindAll(_entries, e => !e.Lease.HasLapsed(now, ttlTicks)));
    }
}
