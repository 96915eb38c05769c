namespace Messaging;

/// <summary>
/// The one way out of a connection's <see cref="OrderedDelivery"/>: its pipeline, which writes what ordered delivery
/// releases and runs the gap re-reads it asks for, one item at a time on the pipeline's own queue.
/// </summary>
internal interface IDeliveryWriter
{
    /// <summary>
    /// Writes an event, first waiting for room when the connection supports flow control
    /// (<see cref="IFlowControlledClientConnection"/>), so a backlog larger than the connection's queue is paced instead
    /// of being taken for a slow consumer; otherwise a connection that refuses the write is aborted as one. Only the
    /// worker waits: producers enqueue into the engine's bounded queue without blocking, and a full one is a slow consumer.
    /// </summary>
    /// <param name="clientEvent">The event.</param>
    /// <param name="cancellationToken">Cancelled when the pipeline stops.</param>
    /// <returns><see langword="false"/> when the connection is aborted, closed or stopped.</returns>
    ValueTask<bool> WriteAsync(ClientEvent clientEvent, CancellationToken cancellationToken);

    /// <summary>
    /// Queues a re-read of a conversation's gap behind what the pipeline already holds (a gap-recheck timer fired);
    /// never blocks.
    /// </summary>
    /// <param name="conversationId">The conversation whose gap is read again.</param>
    void EnqueueRecheck(string conversationId);
}
