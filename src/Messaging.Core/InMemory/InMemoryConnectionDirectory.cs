namespace Messaging;

/// <summary>An <see cref="IConnectionDirectory"/> held in process memory, with node leases on a <see cref="TimeProvider"/>.</summary>
/// <remarks>
/// <para>
/// Guarantees: an entry is visible from its registration until it is unregistered or until its node has gone
/// <see cref="Ttl"/> without a registration or a <see cref="RefreshNodeAsync"/> (then all of the node's entries
/// disappear together and are purged). Thread-safe.
/// </para>
/// <para>Limits: one process only; nodes in other processes cannot see these entries. Refresh at least every TTL/2.</para>
/// </remarks>
public sealed class InMemoryConnectionDirectory : IConnectionDirectory
{
    /// <summary>The TTL used when none is given.</summary>
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromSeconds(90);

    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<string, Dictionary<string, DeviceConnection>> _byUser = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _nodeRefreshedAt = new(StringComparer.Ordinal);

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
    }

    /// <summary>How long a node's entries live without a refresh.</summary>
    public TimeSpan Ttl { get; }

    /// <inheritdoc />
    public ValueTask RegisterAsync(DeviceConnection connection, CancellationToken cancellationToken = default)
    {
        Validate(connection);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_byUser.TryGetValue(connection.UserId, out var connections))
            {
                connections = new Dictionary<string, DeviceConnection>(StringComparer.Ordinal);
                _byUser.Add(connection.UserId, connections);
            }

            connections[connection.ConnectionId] = connection;
            _nodeRefreshedAt[connection.NodeId] = _timeProvider.GetUtcNow();
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask UnregisterAsync(DeviceConnection connection, CancellationToken cancellationToken = default)
    {
        Validate(connection);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_byUser.TryGetValue(connection.UserId, out var connections) && connections.Remove(connection.ConnectionId) && connections.Count == 0)
            {
                _byUser.Remove(connection.UserId);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask RefreshNodeAsync(string nodeId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _nodeRefreshedAt[nodeId] = _timeProvider.GetUtcNow();
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<DeviceConnection>> GetConnectionsAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            IReadOnlyList<DeviceConnection> live = LiveConnections(userId) is { } connections ? [.. connections.Values] : [];
            return ValueTask.FromResult(live);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlySet<string>> GetConnectedUsersAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        cancellationToken.ThrowIfCancellationRequested();
        var connected = new HashSet<string>(StringComparer.Ordinal);
        lock (_gate)
        {
            foreach (var userId in userIds)
            {
                if (LiveConnections(userId) is not null)
                {
                    connected.Add(userId);
                }
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

    // Called under the gate: purges the user's entries of lapsed nodes and returns what is left, or null.
    private Dictionary<string, DeviceConnection>? LiveConnections(string userId)
    {
        if (!_byUser.TryGetValue(userId, out var connections))
        {
            return null;
        }

        var now = _timeProvider.GetUtcNow();
        List<string>? lapsed = null;
        foreach (var (connectionId, connection) in connections)
        {
            if (!_nodeRefreshedAt.TryGetValue(connection.NodeId, out var refreshedAt) || now - refreshedAt >= Ttl)
            {
                (lapsed ??= []).Add(connectionId);
            }
        }

        foreach (var connectionId in lapsed ?? [])
        {
            connections.Remove(connectionId);
        }

        if (connections.Count == 0)
        {
            _byUser.Remove(userId);
            return null;
        }

        return connections;
    }
}
