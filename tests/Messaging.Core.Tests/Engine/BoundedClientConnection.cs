namespace Messaging.Tests.Engine;

/// <summary>A client connection whose queue holds <paramref name="capacity"/> events and is never drained: a slow consumer.</summary>
internal sealed class BoundedClientConnection(int capacity) : IClientConnection
{
    private readonly TaskCompletionSource<string> _aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count;

    public string ConnectionId { get; } = "slow-" + Guid.NewGuid().ToString("N");

    /// <summary>Completes with the abort reason.</summary>
    public Task<string> Aborted => _aborted.Task;

    public bool TryWrite(ClientEvent clientEvent) => Interlocked.Increment(ref _count) <= capacity;

    public void Abort(string reason) => _aborted.TrySetResult(reason);
}
