using StackExchange.Redis;

namespace Messaging.Transports.Redis;

/// <summary>
/// Every Redis name this package uses: the backplane's node inbox channels and the connection directory's keys.
/// </summary>
/// <remarks>
/// <code>
/// messaging:node:&lt;nodeId&gt;                   channel  the inbox of one gateway node (the engine's encoded envelopes)
/// messaging:dir:user:&lt;userId&gt;               hash     connectionId -> "&lt;nodeId length&gt;:&lt;nodeId&gt;&lt;deviceId&gt;"
/// messaging:dir:node:&lt;nodeId&gt;               string   the node's lease deadline (Unix ms); expires on its own some time later
/// messaging:dir:follow:conv:&lt;conversationId&gt; set      the nodes following a read-path conversation
/// messaging:dir:follow:presence:&lt;userId&gt;     set      the nodes watching a user's presence
/// </code>
/// The id is always the last part of the name and each kind has its own fixed prefix, so names are unambiguous
/// whatever characters ids contain. Channels are subscribed literally (never as patterns). No name carries a
/// <c>{hash tag}</c>: classic PUBLISH reaches every node of a Redis Cluster whatever the channel's slot, and the
/// directory only runs single-key commands, so there is nothing to co-locate.
/// </remarks>
internal static class RedisChannels
{
    /// <summary>The prefix of every name.</summary>
    public const string Prefix = "messaging:";

    /// <summary>The literal Redis channel of a node's inbox.</summary>
    public static RedisChannel Node(string nodeId) => RedisChannel.Literal(NodeName(nodeId));

    /// <summary>The name of a node's inbox channel.</summary>
    public static string NodeName(string nodeId) => Prefix + "node:" + nodeId;

    /// <summary>The directory hash of a user's live connections.</summary>
    public static RedisKey DirectoryUser(string userId) => Prefix + "dir:user:" + userId;

    /// <summary>The directory lease of a node.</summary>
    public static RedisKey DirectoryNode(string nodeId) => Prefix + "dir:node:" + nodeId;

    /// <summary>The directory set of the nodes following a topic.</summary>
    public static RedisKey DirectoryFollowers(FollowTopic topic) => topic.Kind switch
    {
        FollowKind.Conversation => Prefix + "dir:follow:conv:" + topic.Id,
        FollowKind.Presence => Prefix + "dir:follow:presence:" + topic.Id,
        _ => throw new ArgumentOutOfRangeException(nameof(topic), topic.Kind, "Unknown follow kind."),
    };
}
