namespace Messaging;

/// <summary>
/// An optional capability of an <see cref="IClientConnection"/> (detected with <c>is</c>): waiting until its queue has
/// room. The engine awaits it before each catch-up and gap-fill write, so a device with a backlog larger than the
/// connection's queue is paced instead of aborted; live events still use the non-blocking
/// <see cref="IClientConnection.TryWrite"/>, and the engine's own bounded queue aborts a consumer that falls behind.
/// </summary>
public interface IFlowControlledClientConnection : IClientConnection
{
    /// <summary>Waits until an event can be queued.</summary>
    /// <param name="cancellationToken">Cancels the wait (the engine stops delivering to the connection).</param>
    /// <returns><see langword="true"/> when there is room; <see langword="false"/> when the connection closed.</returns>
    ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default);
}
