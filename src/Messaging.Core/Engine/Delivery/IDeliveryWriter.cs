namespace Messaging;

/// <summary>How <see cref="OrderedDelivery"/> writes to its connection: live without waiting, from the store paced.</summary>
internal interface IDeliveryWriter
{
    /// <summary>Writes an event without waiting; a connection that refuses it is aborted as a slow consumer.</summary>
    /// <param name="clientEvent">The event.</param>
    /// <returns><see langword="false"/> when the connection is aborted or stopped.</returns>
    bool Write(ClientEvent clientEvent);

    /// <summary>
    /// Writes an event read from the store, first waiting for room when the connection supports flow control
    /// (<see cref="IFlowControlledClientConnection"/>), so a backlog larger than the connection's queue is not a slow consumer.
    /// </summary>
    /// <param name="clientEvent">The event.</param>
    /// <param name="cancellationToken">Cancelled when the pipeline stops.</param>
    /// <returns><see langword="false"/> when the connection is aborted, closed or stopped.</returns>
    ValueTask<bool> WritePacedAsync(ClientEvent clientEvent, CancellationToken cancellationToken);
}
