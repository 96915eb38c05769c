using StackExchange.Redis;

namespace Messaging.Transports.Redis;

/// <summary>
/// Every Redis name this package uses: the backplane's pub/sub channels and the connection directory's keys.
/// </summary>
/// <remarks>
/// <code>
/// messaging:user:&lt;userId&gt;             channel  envelopes for one user's devices (write-path fan-out, status, membership)
/// messaging:conv:&lt;conversationId&gt;     channel  envelopes for a conversation's members (read-path fan-out, typing)
/// messaging:node:&lt;nodeId&gt;             channel  envelopes for one gateway node
/// messaging:presence:&lt;userId&gt;         channel  presence changes of one user
/// messaging:dir:user:&lt;userId&gt;         hash     connectionId -> "&lt;nodeId length&gt;:&lt;nodeId&gt;&lt;deviceId&gt;"
/// messaging:dir:node:&lt;nodeId&gt;         string   the node's lease deadline (Unix ms); expires on its own some time later
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

    /// <summary>The literal Redis channel of a backplane channel.</summary>
    public static RedisChannel For(TransportChannel channel) => RedisChannel.Literal(Name(channel));

    /// <summary>The name of a backplane channel.</summary>
    public static string Name(TransportChannel channel) => channel.Kind switch
    {
        ChannelKind.User => Prefix + "user:" + channel.Id,
        ChannelKind.Conversation => Prefix + "conv:" + channel.Id,
        ChannelKind.Node => Prefix + "node:" + channel.Id,
        ChannelKind.Presence => Prefix + "presence:" + channel.Id,
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel.Kind, "Unknown channel kind."),
    };

    /// <summary>The directory hash of a user's live connections.</summary>
    public static RedisKey DirectoryUser(string userId) => Prefix + "dir:user:" + userId;

    /// <summary>The directory lease of a node.</summary>
    public static RedisKey DirectoryNode(string nodeId) => Prefix + "dir:node:" + nodeId;
}
