namespace Messaging.Conformance;

/// <summary>
/// A test <see cref="IClientConnection"/> that records every <see cref="ClientEvent"/> the engine writes (thread-safe)
/// and lets a test await a condition on the recorded events instead of sleeping.
/// </summary>
public sealed class RecordingClientConnection : IClientConnection
{
    private readonly Lock _gate = new();
    private readonly List<ClientEvent> _events = [];
    private readonly List<(Func<IReadOnlyList<ClientEvent>, bool> Condition, TaskCompletionSource Done)> _waiters = [];

    /// <summary>Creates a connection with a fresh id.</summary>
    public RecordingClientConnection()
        : this($"conn-{Guid.NewGuid():N}")
    {
    }

    /// <summary>Creates a connection.</summary>
    /// <param name="connectionId">The connection id.</param>
    public RecordingClientConnection(string connectionId)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionId);
        ConnectionId = connectionId;
    }

    /// <inheritdoc />
    public string ConnectionId { get; }

    /// <summary>The reason given to <see cref="Abort"/>, or <see langword="null"/> while the connection is open.</summary>
    public string? AbortReason { get; private set; }

    /// <summary>A snapshot of the events written so far, in write order.</summary>
    public IReadOnlyList<ClientEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>How many <see cref="SyncCompleteEvent"/>s were written so far.</summary>
    public int SyncCompletions
    {
        get
        {
            lock (_gate)
            {
                return _events.Count(e => e is SyncCompleteEvent);
            }
        }
    }

    /// <inheritdoc />
    public bool TryWrite(ClientEvent clientEvent)
    {
        ArgumentNullException.ThrowIfNull(clientEvent);
        lock (_gate)
        {
            if (AbortReason is not null)
            {
                return false;
            }

            _events.Add(clientEvent);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Condition(_events))
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }

            return true;
        }
    }

    /// <inheritdoc />
    public void Abort(string reason)
    {
        lock (_gate)
        {
            AbortReason ??= reason;
        }
    }

    /// <summary>A task that completes once the recorded events satisfy <paramref name="condition"/> (checked on every write).</summary>
    /// <param name="condition">The condition over all events recorded so far.</param>
    /// <returns>The task.</returns>
    public Task WhenAsync(Func<IReadOnlyList<ClientEvent>, bool> condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        lock (_gate)
        {
            if (condition(_events))
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((condition, done));
            return done.Task;
        }
    }

    /// <summary>A task that completes once <paramref name="count"/> sync completions have been written.</summary>
    /// <param name="count">The number of <see cref="SyncCompleteEvent"/>s to wait for.</param>
    /// <returns>The task.</returns>
    public Task WhenSyncCompletedAsync(int count = 1) => WhenAsync(events => events.Count(e => e is SyncCompleteEvent) >= count);

    /// <summary>A task that completes once a message with <paramref name="messageId"/> has been written.</summary>
    /// <param name="messageId">The message id.</param>
    /// <returns>The task.</returns>
    public Task WhenMessageAsync(string messageId)
        => WhenAsync(events => events.Any(e => e is MessageEvent m && m.Message.MessageId == messageId));
}
