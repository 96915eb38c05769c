namespace Messaging;

/// <summary>Receives the payloads of a node's inbox with their positions. Must not block.</summary>
/// <param name="position">The payload's position in the inbox (strictly increasing in inbox order).</param>
/// <param name="payload">The bytes as published.</param>
/// <param name="cancellationToken">Cancelled when the inbox is closed.</param>
/// <returns>A task that completes when the payload was taken.</returns>
public delegate ValueTask PositionedInboxHandler(long position, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);

/// <summary>
/// An optional capability of a durable <see cref="IMessageTransport"/> (a Kafka partition or topic per node, for
/// example): every payload of an inbox has a position, a node records how far it got, and a restarted node resumes its
/// inbox after that position instead of losing what was published while it was down. Detected with <c>is</c>.
/// Guarantee: positions strictly increase in inbox order; an inbox opened after a position delivers every retained
/// payload after it, in order, then the live ones, without a gap or a repeat between the two.
/// </summary>
public interface IPositionedTransport
{
    /// <summary>Opens a node's inbox after a position until the returned handle is disposed.</summary>
    /// <param name="nodeId">The node.</param>
    /// <param name="afterPosition">Deliver the payloads after this position; <see langword="null"/>: every retained payload.</param>
    /// <param name="handler">Called for each payload, one at a time, in position order.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The open inbox; dispose it to close it.</returns>
    ValueTask<IAsyncDisposable> OpenInboxAfterAsync(string nodeId, long? afterPosition, PositionedInboxHandler handler, CancellationToken cancellationToken = default);

    /// <summary>Records that a node has handled its inbox up to a position (a lower position than recorded is ignored).</summary>
    /// <param name="nodeId">The node.</param>
    /// <param name="position">The position of the last handled payload.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when recorded.</returns>
    ValueTask CommitAsync(string nodeId, long position, CancellationToken cancellationToken = default);

    /// <summary>The position a node last committed, where its restart resumes.</summary>
    /// <param name="nodeId">The node.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The position, or <see langword="null"/> when the node never committed one.</returns>
    ValueTask<long?> GetCommittedAsync(string nodeId, CancellationToken cancellationToken = default);
}
