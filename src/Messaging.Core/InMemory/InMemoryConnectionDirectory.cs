using System.Collections.Concurrent;

namespace Messaging;

/// <summary>An <see cref="IConnectionDirectory"/> held in process memory, with node leases on a <see cref="TimeProvider"/>.</summary>
/// <remarks>
/// <para>
/// Guarantees: an entry is visible from its registration until it is unregistered or until its node has gone
/// <see cref="Ttl"/> without a registration or a <see cref="RefreshNodeAsync"/> (then all of the node's entries
/// disappear together and are purged). Thread-safe; lookups take no lock, and registrations of different users never
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
    public ValueTask<IReadOnlySet<string>> GetConnectedUsersAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        cancellationToken.ThrowIfCancellationRequested();
        var now = Now();
        if (userIds is IReadOnlyList<string> list)
        {
            // The one recipient of a direct message: the user's own cached set of one, nothing allocated.
            if (list.Count == 1)
            {
                return ValueTask.FromResult(LiveUser(list[0], now) is { } user ? user.AsSet(list[0]) : ConnectedUsers.None);
            }

            // Indexed, so no boxed enumerator.
            if (list.Count <= ConnectedUsers.LinearScanLimit)
            {
                var few = ConnectedUsers.Collect(list.Count);
                for (var i = 0; i < list.Count; i++)
                {
                    if (LiveUser(list[i], now) is not null)
                    {
                        few.Add(list[i]);
                    }
                }

                return ValueTask.FromResult(few.ToSet());
            }
        }

        var connected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var userId in userIds)
        {
            if (LiveUser(userId, now) is not null)
            {
                connected.Add(userId);
            }
        }

        return ValueTask.FromResult<IReadOnlySet<string>>(connected);
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

    private UserConnections? LiveUser(string userId, long now) => LiveUser(userId, now, out _);

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
        private IReadOnlySet<string>? _self;

        public Entry[] Entries => Volatile.Read(ref _entries);

        public bool Retired { get; set; }

        // The set of just this user, made once (a benign race may make it twice).
        public IReadOnlySet<string> AsSet(string userId) => _self ??= ConnectedUsers.Of(userId);

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
