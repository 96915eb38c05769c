namespace Messaging.Client.Typing;

/// <summary>
/// Tracks who is typing where from incoming <c>typing</c> frames. An entry expires after a quiet period without a new
/// <c>is_typing=true</c> (the sender may vanish without sending <c>false</c>), and a message from the typist clears it.
/// Reports each start and stop exactly once. Thread-safe.
/// </summary>
internal sealed class TypingTracker : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<(string ConversationId, string UserId), Entry> _typing = [];
    private readonly TimeProvider _time;
    private readonly TimeSpan _expiry;
    private readonly Action<string, string, bool> _changed;
    private bool _disposed;

    /// <summary>Creates a tracker.</summary>
    /// <param name="time">The clock.</param>
    /// <param name="expiry">How long a typing indication lasts without a new event.</param>
    /// <param name="changed">Called (under the tracker's lock, so keep it short) with conversation, user and state.</param>
    public TypingTracker(TimeProvider time, TimeSpan expiry, Action<string, string, bool> changed)
    {
        _time = time;
        _expiry = expiry;
        _changed = changed;
    }

    /// <summary>A <c>typing</c> frame arrived.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="userId">The typist.</param>
    /// <param name="isTyping">Started or stopped.</param>
    public void OnTyping(string conversationId, string userId, bool isTyping)
    {
        var key = (conversationId, userId);
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (!isTyping)
            {
                Stop(key, expected: null);
                return;
            }

            if (_typing.TryGetValue(key, out var existing))
            {
                existing.LastEvent = _time.GetUtcNow();
                existing.Timer!.Change(_expiry, Timeout.InfiniteTimeSpan);
                return;
            }

            var entry = new Entry { LastEvent = _time.GetUtcNow() };
            entry.Timer = _time.CreateTimer(OnExpired, (key, entry), _expiry, Timeout.InfiniteTimeSpan);
            _typing[key] = entry;
            _changed(conversationId, userId, true);
        }
    }

    /// <summary>A message from <paramref name="senderId"/> arrived: they stopped typing it.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="senderId">The sender.</param>
    public void OnMessage(string conversationId, string senderId)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                Stop((conversationId, senderId), expected: null);
            }
        }
    }

    /// <summary>Whether a user is currently shown as typing.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="userId">The user.</param>
    /// <returns><see langword="true"/> while the user types.</returns>
    public bool IsTyping(string conversationId, string userId)
    {
        lock (_gate)
        {
            return _typing.ContainsKey((conversationId, userId));
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var entry in _typing.Values)
            {
                entry.Timer?.Dispose();
            }

            _typing.Clear();
        }
    }

    private void OnExpired(object? argument)
    {
        var (key, entry) = (((string, string), Entry))argument!;
        lock (_gate)
        {
            if (_disposed || !_typing.TryGetValue(key, out var current) || !ReferenceEquals(current, entry))
            {
                return;
            }

            // Early by the wall clock (timers and clocks differ slightly), or a new event re-armed the timer while
            // this callback was on its way: wait for the rest.
            var remaining = _expiry - (_time.GetUtcNow() - entry.LastEvent);
            if (remaining > TimeSpan.Zero)
            {
                entry.Timer!.Change(remaining, Timeout.InfiniteTimeSpan);
                return;
            }

            Stop(key, entry);
        }
    }

    private void Stop((string ConversationId, string UserId) key, Entry? expected)
    {
        if (!_typing.TryGetValue(key, out var entry) || (expected is not null && !ReferenceEquals(entry, expected)))
        {
            return;
        }

        _typing.Remove(key);
        entry.Timer?.Dispose();
        _changed(key.ConversationId, key.UserId, false);
    }

    private sealed class Entry
    {
        public DateTimeOffset LastEvent { get; set; }

        // Set right after CreateTimer returns, under the lock the timer callback also takes.
        public ITimer? Timer { get; set; }
    }
}
