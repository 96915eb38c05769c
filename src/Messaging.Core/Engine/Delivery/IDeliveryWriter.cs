namespace Messaging;

/// <summary>How the delivery worker writes to its connection.</summary>
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
}
