namespace Messaging;

/// <summary>Receives the payloads of a node's inbox. Must not block: hand the work to a queue and return.</summary>
/// <param name="payload">The bytes as published (the engine's envelope; the transport never parses them).</param>
/// <param name="cancellationToken">Cancelled when the inbox is closed.</param>
/// <returns>A task that completes when the payload was taken.</returns>
public delegate ValueTask InboxHandler(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);

/// <summary>
/// The backplane between gateway nodes, addressed by node: a publish hands one opaque payload to the inboxes of a set
/// of nodes, and each node reads its own inbox. The backplane never parses the bytes (Core owns the envelope format)
/// and has no per-user or per-conversation subscriptions. Guarantee: at-most-once per inbox, in publish order per
/// (publisher, inbox); payloads may be lost (the engine's gap filling and catch-up make delivery at-least-once end to
/// end).
/// </summary>
public interface IMessageTransport
{
    /// <summary>Publishes one payload to the inboxes of several nodes.</summary>
    /// <param name="nodeIds">The target nodes (each once).</param>
    /// <param name="payload">The bytes; the caller never changes them after the call, so the transport may keep them.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the payload was handed to the backplane.</returns>
    ValueTask PublishAsync(IReadOnlyCollection<string> nodeIds, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default);

    /// <summary>Opens a node's inbox until the returned handle is disposed (a node opens its own inbox once).</summary>
    /// <param name="nodeId">The node.</param>
    /// <param name="handler">Called for each payload, one at a time.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The open inbox; dispose it to close it.</returns>
    ValueTask<IAsyncDisposable> OpenInboxAsync(string nodeId, InboxHandler handler, CancellationToken cancellationToken = default);
}
