namespace Messaging;

/// <summary>One live connection of a user's device on a node.</summary>
/// <param name="UserId">The user.</param>
/// <param name="DeviceId">The device.</param>
/// <param name="ConnectionId">The connection, unique across nodes.</param>
/// <param name="NodeId">The node holding the connection.</param>
public readonly record struct DeviceConnection(string UserId, string DeviceId, string ConnectionId, string NodeId);

/// <summary>The kinds of topic a node can follow.</summary>
public enum FollowKind
{
    /// <summary>A read-path conversation: the node holds online members of it.</summary>
    Conversation,

    /// <summary>A user's presence: the node holds connections watching the user.</summary>
    Presence,
}

/// <summary>What a node follows: a kind and an id (a conversation or a watched user).</summary>
/// <param name="Kind">The kind of topic.</param>
/// <param name="Id">The conversation or user id.</param>
public readonly record struct FollowTopic(FollowKind Kind, string Id)
{
    /// <summary>The topic of a read-path conversation.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <returns>The topic.</returns>
    public static FollowTopic Conversation(string conversationId) => new(FollowKind.Conversation, conversationId);

    /// <summary>The topic of a user's presence.</summary>
    /// <param name="userId">The watched user.</param>
    /// <returns>The topic.</returns>
    public static FollowTopic Presence(string userId) => new(FollowKind.Presence, userId);
}

/// <summary>
/// Which nodes hold which users' devices, and which nodes follow which topics (the read-path conversations of their
/// online members, the users their connections watch). Guarantee: a connection or follow record disappears when it
/// is removed, or when its node stops refreshing for longer than the TTL (a dead node is cleaned up).
/// </summary>
public interface IConnectionDirectory
{
    /// <summary>Registers a live connection (and renews its node's lease).</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when registered.</returns>
    ValueTask RegisterAsync(DeviceConnection connection, CancellationToken cancellationToken = default);

    /// <summary>Removes a connection (no-op when unknown).</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when removed.</returns>
    ValueTask UnregisterAsync(DeviceConnection connection, CancellationToken cancellationToken = default);

    /// <summary>Called periodically by a live node: keeps its connections and follow records alive for another TTL.</summary>
    /// <param name="nodeId">The node.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when refreshed.</returns>
    ValueTask RefreshNodeAsync(string nodeId, CancellationToken cancellationToken = default);

    /// <summary>The live connections of a user.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The connections, empty when none.</returns>
    ValueTask<IReadOnlyList<DeviceConnection>> GetConnectionsAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>The live connections of many users, in one call (one round trip for a remote directory).</summary>
    /// <param name="userIds">The users (duplicates allowed).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Every live connection of the users, each once; a user with none has no entry.</returns>
    ValueTask<IReadOnlyList<DeviceConnection>> GetConnectionsOfAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken = default);

    /// <summary>Records that a node follows topics (idempotent; renews the node's lease).</summary>
    /// <param name="nodeId">The node.</param>
    /// <param name="topics">The topics.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when recorded.</returns>
    ValueTask FollowAsync(string nodeId, IReadOnlyCollection<FollowTopic> topics, CancellationToken cancellationToken = default);

    /// <summary>Removes a node's follow records of topics (no-op for topics it does not follow).</summary>
    /// <param name="nodeId">The node.</param>
    /// <param name="topics">The topics.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when removed.</returns>
    ValueTask UnfollowAsync(string nodeId, IReadOnlyCollection<FollowTopic> topics, CancellationToken cancellationToken = default);

    /// <summary>The live nodes that follow a topic.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The node ids, empty when none.</returns>
    ValueTask<IReadOnlySet<string>> GetFollowersAsync(FollowTopic topic, CancellationToken cancellationToken = default);
}
