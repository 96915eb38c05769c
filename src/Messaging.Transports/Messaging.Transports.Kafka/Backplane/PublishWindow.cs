namespace Messaging.Transports.Kafka;

/// <summary>
/// The producer's bounded in-flight window: a publish takes one slot per produced message before handing it to
/// librdkafka and gives them back when the brokers acknowledged (or failed) all of them, so a publisher that outruns
/// the brokers waits instead of buffering without bound.
/// </summary>
/// <remarks>
/// Publishes take their slots one publish at a time, in arrival order, and produce while still holding the turn
/// (<see cref="EnterAsync"/> until <see cref="ExitTurn"/>): two publishes never hold half a window each and wait for
/// each other, and one publisher's payloads reach librdkafka (which keeps order per partition) in its call order. A
/// publish to more nodes than the window holds takes the whole window and goes beyond it by the rest of its own
/// messages only.
/// </remarks>
internal sealed class PublishWindow(int capacity) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(capacity);
    private readonly SemaphoreSlim _turn = new(1, 1);
    private int _unreported;

    /// <summary>How many records librdkafka holds without a delivery report yet (what the window bounds).</summary>
    public int Unreported => Volatile.Read(ref _unreported);

    /// <summary>Counts a record handed to librdkafka.</summary>
    public void Handed() => Interlocked.Increment(ref _unreported);

    /// <summary>Counts a record whose delivery report arrived.</summary>
    public void Reported() => Interlocked.Decrement(ref _unreported);

    /// <summary>Waits for the turn and for slots for <paramref name="messages"/> messages; the caller then produces and calls <see cref="ExitTurn"/>.</summary>
    /// <param name="messages">How many messages the publish produces.</param>
    /// <param name="cancellationToken">Cancels the wait (nothing is held then).</param>
    /// <returns>How many slots were taken, to give back with <see cref="Release"/>.</returns>
    public async ValueTask<int> EnterAsync(int messages, CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        var wanted = Math.Min(messages, capacity);
        var taken = 0;
        try
        {
            for (; taken < wanted; taken++)
            {
                await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            return taken;
        }
        catch
        {
            if (taken > 0)
            {
                _slots.Release(taken);
            }

            _turn.Release();
            throw;
        }
    }

    /// <summary>Lets the next publish take its slots.</summary>
    public void ExitTurn() => _turn.Release();

    /// <summary>Gives slots back.</summary>
    /// <param name="slots">How many <see cref="EnterAsync"/> took.</param>
    public void Release(int slots)
    {
        if (slots > 0)
        {
            _slots.Release(slots);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _slots.Dispose();
        _turn.Dispose();
    }
}
