using System.Threading.Channels;

namespace Messaging.Tests.Engine;

/// <summary>
/// A client connection with a small bounded queue that supports flow control, drained by a consumer task that records
/// what it reads (like the gateway's writer loop): a full queue refuses <see cref="TryWrite"/>, and
/// <see cref="WaitToWriteAsync"/> waits for room.
/// </summary>
internal sealed class FlowControlledClientConnection : IFlowControlledClientConnection, IAsyncDisposable
{
    private readonly Channel<ClientEvent> _queue;
    private readonly List<ClientEvent> _received = [];
    private readonly TaskCompletionSource<string> _aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _syncCompleted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _consumer;

    /// <param name="capacity">The queue's capacity.</param>
    /// <param name="consume"><see langword="false"/> for a client that never reads.</param>
    public FlowControlledClientConnection(int capacity, bool consume = true)
    {
        _queue = Channel.CreateBounded<ClientEvent>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _consumer = consume ? Task.Run(ConsumeAsync) : Task.CompletedTask;
    }

    public string ConnectionId { get; } = "paced-" + Guid.NewGuid().ToString("N");

    /// <summary>Completes with the abort reason.</summary>
    public Task<string> Aborted => _aborted.Task;

    /// <summary>Completes when the consumer read the first <see cref="SyncCompleteEvent"/>.</summary>
    public Task SyncCompleted => _syncCompleted.Task;

    /// <summary>What the consumer read, in order (read it after <see cref="SyncCompleted"/>).</summary>
    public IReadOnlyList<ClientEvent> Received
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    public bool TryWrite(ClientEvent clientEvent) => _queue.Writer.TryWrite(clientEvent);

    public ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) => _queue.Writer.WaitToWriteAsync(cancellationToken);

    public void Abort(string reason)
    {
        _aborted.TrySetResult(reason);
        _queue.Writer.TryComplete();
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _consumer;
    }

    private async Task ConsumeAsync()
    {
        await foreach (var clientEvent in _queue.Reader.ReadAllAsync())
        {
            lock (_received)
            {
                _received.Add(clientEvent);
            }

            if (clientEvent is SyncCompleteEvent)
            {
                _syncCompleted.TrySetResult();
            }

            // Yield so the engine really finds the queue full now and then, as with a network-bound writer.
            await Task.Yield();
        }
    }
}
