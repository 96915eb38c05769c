namespace Messaging.Conformance;

/// <summary>
/// Wraps a real <see cref="IMessageTransport"/> that keeps positions and records, per node, what the engine does with
/// them: where each inbox was opened, the position and bytes of every payload its handler took, and every commit. The
/// payloads still travel through the wrapped transport; only the observations are added.
/// </summary>
public sealed class PositionRecordingTransport : IMessageTransport, IPositionedTransport, IAsyncDisposable
{
    private readonly IMessageTransport _inner;
    private readonly IPositionedTransport _positions;
    private readonly List<Opening> _openings = [];
    private readonly List<Handling> _handled = [];
    private readonly List<(string NodeId, long Position)> _commits = [];

    /// <summary>Wraps a transport.</summary>
    /// <param name="inner">The transport; it must keep positions.</param>
    public PositionRecordingTransport(IMessageTransport inner)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _positions = inner as IPositionedTransport ?? throw new ArgumentException("The transport keeps no positions.", nameof(inner));
    }

    /// <summary>The inboxes opened through this instance: after which position (null: from the start; live: at the end).</summary>
    public IReadOnlyList<Opening> Openings => Snapshot(_openings);

    /// <summary>The payloads a node's handlers took through this instance, with their positions, in order.</summary>
    /// <param name="nodeId">The node.</param>
    /// <returns>The payloads.</returns>
    public IReadOnlyList<Handling> Handled(string nodeId) => [.. Snapshot(_handled).Where(h => h.NodeId == nodeId)];

    /// <summary>The positions a node committed through this instance, in order.</summary>
    /// <param name="nodeId">The node.</param>
    /// <returns>The positions.</returns>
    public IReadOnlyList<long> Commits(string nodeId) => [.. Snapshot(_commits).Where(c => c.NodeId == nodeId).Select(c => c.Position)];

    /// <summary>Disposes the wrapped transport when it is disposable.</summary>
    /// <returns>A task that completes when disposed.</returns>
    public ValueTask DisposeAsync() => _inner is IAsyncDisposable disposable ? disposable.DisposeAsync() : ValueTask.CompletedTask;

    /// <inheritdoc />
    public ValueTask PublishAsync(IReadOnlyCollection<string> nodeIds, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
        => _inner.PublishAsync(nodeIds, payload, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IAsyncDisposable> OpenInboxAsync(string nodeId, InboxHandler handler, CancellationToken cancellationToken = default)
    {
        Add(_openings, new Opening(nodeId, null, Live: true));
        return _inner.OpenInboxAsync(nodeId, handler, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IAsyncDisposable> OpenInboxAfterAsync(string nodeId, long? afterPosition, PositionedInboxHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(_openings, new Opening(nodeId, afterPosition, Live: false));
        return _positions.OpenInboxAfterAsync(
            nodeId,
            afterPosition,
            (position, payload, token) =>
            {
                Add(_handled, new Handling(nodeId, position, payload.ToArray()));
                return handler(position, payload, token);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask CommitAsync(string nodeId, long position, CancellationToken cancellationToken = default)
    {
        await _positions.CommitAsync(nodeId, position, cancellationToken).ConfigureAwait(false);
        Add(_commits, (nodeId, position));
    }

    /// <inheritdoc />
    public ValueTask<long?> GetCommittedAsync(string nodeId, CancellationToken cancellationToken = default)
        => _positions.GetCommittedAsync(nodeId, cancellationToken);

    private static void Add<T>(List<T> list, T item)
    {
        lock (list)
        {
            list.Add(item);
        }
    }

    private static List<T> Snapshot<T>(List<T> list)
    {
        lock (list)
        {
            return [.. list];
        }
    }

    /// <summary>An inbox opening.</summary>
    /// <param name="NodeId">The node.</param>
    /// <param name="AfterPosition">The position it was opened after.</param>
    /// <param name="Live">Opened at the end, without positions.</param>
    public sealed record Opening(string NodeId, long? AfterPosition, bool Live);

    /// <summary>A payload a handler took.</summary>
    /// <param name="NodeId">The node.</param>
    /// <param name="Position">Its position.</param>
    /// <param name="Payload">Its bytes.</param>
    public sealed record Handling(string NodeId, long Position, byte[] Payload);
}
