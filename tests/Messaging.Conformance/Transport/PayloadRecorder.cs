namespace Messaging.Conformance;

/// <summary>
/// A thread-safe inbox handler that records the payloads (and positions, when the inbox has them) of one inbox and
/// completes waiters when a given number has arrived.
/// </summary>
public sealed class PayloadRecorder
{
    private readonly Lock _gate = new();
    private readonly List<(long Position, byte[] Payload)> _received = [];
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private readonly Func<byte[], ValueTask>? _before;

    /// <summary>Creates a recorder.</summary>
    /// <param name="before">Runs before each payload is recorded (it may throw to simulate a failing handler).</param>
    public PayloadRecorder(Func<byte[], ValueTask>? before = null) => _before = before;

    /// <summary>The payloads received so far, in arrival order.</summary>
    public IReadOnlyList<byte[]> Received
    {
        get
        {
            lock (_gate)
            {
                return [.. _received.Select(r => r.Payload)];
            }
        }
    }

    /// <summary>The positions received so far, in arrival order (0 for an inbox without positions).</summary>
    public IReadOnlyList<long> Positions
    {
        get
        {
            lock (_gate)
            {
                return [.. _received.Select(r => r.Position)];
            }
        }
    }

    /// <summary>The handler of an inbox without positions.</summary>
    /// <param name="payload">The payload.</param>
    /// <param name="cancellationToken">Not used.</param>
    /// <returns>A task that completes when recorded.</returns>
    public ValueTask HandleAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) => HandleAsync(0, payload, cancellationToken);

    /// <summary>The handler of an inbox with positions.</summary>
    /// <param name="position">The payload's position.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="cancellationToken">Not used.</param>
    /// <returns>A task that completes when recorded.</returns>
    public async ValueTask HandleAsync(long position, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var copy = payload.ToArray();
        if (_before is not null)
        {
            await _before(copy).ConfigureAwait(false);
        }

        lock (_gate)
        {
            _received.Add((position, copy));
            foreach (var waiter in _waiters.Where(w => _received.Count >= w.Count))
            {
                waiter.Done.TrySetResult();
            }
        }
    }

    /// <summary>A task that completes when at least <paramref name="count"/> payloads have arrived.</summary>
    /// <param name="count">How many.</param>
    /// <returns>The task.</returns>
    public Task WhenCountAsync(int count)
    {
        lock (_gate)
        {
            if (_received.Count >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return done.Task;
        }
    }
}
