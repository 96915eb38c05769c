namespace Messaging;

/// <summary>The kinds of backplane channel.</summary>
public enum ChannelKind
{
    /// <summary>Everything addressed to one user's devices (write-path fan-out, status updates, membership).</summary>
    User,

    /// <summary>Everything addressed to a conversation's members (read-path fan-out, typing).</summary>
    Conversation,

    /// <summary>Everything addressed to one gateway node.</summary>
    Node,

    /// <summary>Presence changes of one user.</summary>
    Presence,
}

/// <summary>A backplane channel: a kind and an id. Channels are literal names, never patterns.</summary>
/// <param name="Kind">The kind of channel.</param>
/// <param name="Id">The user, conversation or node id.</param>
public readonly record struct TransportChannel(ChannelKind Kind, string Id)
{
    /// <summary>The channel of a user.</summary>
    /// <param name="userId">The user.</param>
    /// <returns>The channel.</returns>
    public static TransportChannel User(string userId) => new(ChannelKind.User, userId);

    /// <summary>The channel of a conversation.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <returns>The channel.</returns>
    public static TransportChannel Conversation(string conversationId) => new(ChannelKind.Conversation, conversationId);

    /// <summary>The channel of a node.</summary>
    /// <param name="nodeId">The node.</param>
    /// <returns>The channel.</returns>
    public static TransportChannel Node(string nodeId) => new(ChannelKind.Node, nodeId);

    /// <summary>The presence channel of a user.</summary>
    /// <param name="userId">The user.</param>
    /// <returns>The channel.</returns>
    public static TransportChannel Presence(string userId) => new(ChannelKind.Presence, userId);
}

/// <summary>Receives envelopes from a subscription. Must not block: hand the work to a queue and return.</summary>
/// <param name="envelope">The envelope.</param>
/// <param name="cancellationToken">Cancelled when the subscription ends.</param>
/// <returns>A task that completes when the envelope was taken.</returns>
public delegate ValueTask EnvelopeHandler(Envelope envelope, CancellationToken cancellationToken);

/// <summary>
/// The backplane that moves envelopes between gateway nodes. Guarantee: at-most-once per subscriber, in publish order
/// per (publisher, channel); envelopes may be lost (the engine's gap filling and catch-up make delivery
/// at-least-once end to end). Each envelope is serialised once, however many channels it goes to.
/// </summary>
public interface IMessageTransport
{
    /// <summary>Publishes one envelope to several channels.</summary>
    /// <param name="channels">The channels.</param>
    /// <param name="envelope">The envelope.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the envelope was handed to the backplane.</returns>
    ValueTask PublishAsync(IReadOnlyList<TransportChannel> channels, Envelope envelope, CancellationToken cancellationToken = default);

    /// <summary>Subscribes to a channel until the returned handle is disposed.</summary>
    /// <param name="channel">The channel.</param>
    /// <param name="handler">Called for each envelope, one at a time per subscription.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The subscription; dispose it to unsubscribe.</returns>
    ValueTask<IAsyncDisposable> SubscribeAsync(TransportChannel channel, EnvelopeHandler handler, CancellationToken cancellationToken = default);
}
