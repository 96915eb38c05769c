namespace Messaging;

/// <summary>
/// Keeps the commits of one sender's overlapping sends in the order the sends were started (the order its connection
/// received them), so the first of two messages a device sends to a conversation gets the lower seq even when the
/// second one's authorisation read finishes first. A send takes a turn when it starts (<see cref="Take"/>, on the
/// caller's thread), waits before committing until every earlier turn is settled (<see cref="WaitAsync"/>), and
/// settles its turn once its seq is decided, or when it fails before that (<see cref="Settle"/>). A seq is decided when
/// the atomic step was called (an <see cref="IAtomicSequencingStore"/> sequences calls made one after another in that
/// order; one Redis connection is first in, first out) or, on the composite path, when the sequencer answered (a
/// sequencer need not keep concurrent calls in order). A commit retried after a store failure may come after later
/// ones.
/// </summary>
/// <remarks>
/// Sends one at a time (every turn settled before the next is taken) never wait and allocate nothing; a waiter costs one
/// task source, and turns settled ahead of an earlier one a set. Thread-safe.
/// </remarks>
internal sealed class CommitTurns
{
    private readonly Lock _lock = new();
    private long _taken;
    private long _settled;
    private HashSet<long>? _settledAhead;
    private Dictionary<long, TaskCompletionSource>? _waiters;

    /// <summary>How many turns have a wait registered (for tests: given-up waits must not stay behind).</summary>
    internal int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiters?.Count ?? 0;
            }
        }
    }

    /// <summary>Takes the next turn.</summary>
    /// <returns>The turn, 1 for the first.</returns>
    public long Take()
    {
        lock (_lock)
        {
            return ++_taken;
        }
    }

    /// <summary>Completes when every turn before <paramref name="turn"/> is settled.</summary>
    /// <param name="turn">A turn taken and not settled yet.</param>
    /// <param name="cancellationToken">Stops waiting (the turn stays the caller's to settle).</param>
    /// <returns>A task that completes at the turn.</returns>
    public ValueTask WaitAsync(long turn, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (_settled >= turn - 1)
            {
                return ValueTask.CompletedTask;
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            (_waiters ??= [])[turn] = waiter;
        }

        return new ValueTask(waiter.Task.WaitAsync(cancellationToken));
    }

    /// <summary>Settles a turn: its seq is decided, or it will not commit. Settling a settled turn does nothing.</summary>
    /// <param name="turn">The turn.</param>
    public void Settle(long turn)
    {
        TaskCompletionSource? next = null;
        lock (_lock)
        {
            if (turn <= _settled || _settledAhead?.Contains(turn) == true)
            {
                return;
            }

            // A wait of this turn that was given up (cancelled) is nobody's any more.
            _waiters?.Remove(turn);

            if (turn != _settled + 1)
            {
                (_settledAhead ??= []).Add(turn);
                return;
            }

            _settled = turn;
            while (_settledAhead is { Count: > 0 } ahead && ahead.Remove(_settled + 1))
            {
                _settled++;
            }

            if (_waiters is { Count: > 0 } waiters && waiters.Remove(_settled + 1, out var waiter))
            {
                next = waiter;
            }
        }

        next?.TrySetResult();
    }
}

/// <summary>One send's turn among its sender's (<see cref="CommitTurns"/>), or none (a system message).</summary>
/// <param name="Turns">The sender's turns, or <see langword="null"/>.</param>
/// <param name="Number">The turn.</param>
internal readonly record struct CommitTurn(CommitTurns? Turns, long Number)
{
    /// <summary>Settles the turn (see <see cref="CommitTurns.Settle"/>).</summary>
    public void Settle() => Turns?.Settle(Number);
}
