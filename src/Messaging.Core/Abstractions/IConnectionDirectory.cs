namespace Messaging;

/// <summary>One live connection of a user's device on a node.</summary>
/// <param name="UserId">The user.</param>
/// <param name="DeviceId">The device.</param>
/// <param name="ConnectionId">The connection, unique across nodes.</param>
/// <param name="NodeId">The node holding the connection.</param>
public readonly record struct DeviceConnection(string UserId, string DeviceId, string ConnectionId, string NodeId);

/// <summary>
/// Which nodes hold which users' devices. Guarantee: an entry disappears when it is unregistered, or when its node
/// stops refreshing it for longer than the TTL (a dead node is cleaned up).
/// </summary>
public interface IConnectionDirectory
{
    /// <summary>Registers a live connection.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when registered.</returns>
    ValueTask RegisterAsync(DeviceConnection connection, CancellationToken cancellationToken = default);

    /// <summary>Removes a connection (no-op when unknown).</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when removed.</returns>
    ValueTask UnregisterAsync(DeviceConnection connection, CancellationToken cancellationToken = default);

    /// <summary>Called periodically by a live node: keeps its entries alive for another TTL.</summary>
    /// <param name="nodeId">The node.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when refreshed.</returns>
    ValueTask RefreshNodeAsync(string nodeId, CancellationToken cancellationToken = default);

    /// <summary>The live connections of a user.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The connections, empty when none.</returns>
    ValueTask<IReadOnlyList<DeviceConnection>> GetConnectionsAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Which of the given users have at least one live connection.</summary>
    /// <param name="userIds">The users.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The connected subset.</returns>
    ValueTask<IReadOnlySet<string>> GetConnectedUsersAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken = default);
}
