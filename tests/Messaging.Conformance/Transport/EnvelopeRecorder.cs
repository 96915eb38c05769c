namespace Messaging.Conformance;

/// <summary>
/// A thread-safe handler that records the envelopes of one subscription and completes waiters when a given number
/// has arrived.
/// </summary>
internal sealed class EnvelopeRecorder
{
    private readonly Lock _gate = new();
    private readonly List<Envelope> _received = [];
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private readonly Func<Envelope, ValueTask>? _before;

    /// <summary>Creates a recorder.</summary>
    /// <param name="before">Runs before each envelope is recorded (it may throw to simulate a failing subscriber).</param>
    public EnvelopeRecorder(Func<Envelope, ValueTask>? before = null) => _before = before;

    /// <summary>The envelopes received so far, in arrival order.</summary>
    public IReadOnlyList<Envelope> Received
    {
        get
        {
            lock (_gate)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>The handler to subscribe.</summary>
    public async ValueTask HandleAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        if (_before is not null)
        {
            await _before(envelope).ConfigureAwait(false);
        }

        lock (_gate)
        {
            _received.Add(envelope);
            foreach (var waiter in _waiters.Where(w => _received.Count >= w.Count))
            {
                waiter.Done.TrySetResult();
            }
        }
    }

    /// <summary>A task that completes when at least <paramref name="count"/> envelopes have arrived.</summary>
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
