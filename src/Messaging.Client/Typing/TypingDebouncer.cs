using Messaging.Client.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Messaging.Client.Typing;

/// <summary>
/// Turns a stream of "the user pressed a key" notifications into few <c>typing</c> frames: at most one
/// <c>is_typing=true</c> per debounce interval per conversation, and one automatic <c>is_typing=false</c> after a
/// quiet period without notifications. Thread-safe.
/// </summary>
internal sealed class TypingDebouncer : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, State> _states = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _debounce;
    private readonly TimeSpan _idle;
    private readonly Func<string, bool, CancellationToken, ValueTask> _send;
    private readonly ILogger _logger;
    private bool _disposed;

    /// <summary>Creates a debouncer.</summary>
    /// <param name="time">The clock.</param>
    /// <param name="debounce">The least time between two <c>is_typing=true</c> frames of one conversation.</param>
    /// <param name="idle">The quiet period after which <c>is_typing=false</c> is sent.</param>
    /// <param name="send">Writes a typing frame (conversation, is typing).</param>
    /// <param name="logger">Logs failed automatic stops.</param>
    public TypingDebouncer(TimeProvider time, TimeSpan debounce, TimeSpan idle, Func<string, bool, CancellationToken, ValueTask> send, ILogger logger)
    {
        _time = time;
        _debounce = debounce;
        _idle = idle;
        _send = send;
        _logger = logger;
    }

    /// <summary>The user is typing in a conversation.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the frame write.</param>
    /// <returns>Completes when the frame, if one was due, is written.</returns>
    public ValueTask NotifyAsync(string conversationId, CancellationToken cancellationToken)
    {
        bool due;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var now = _time.GetUtcNow();
            if (!_states.TryGetValue(conversationId, out var state))
            {
                state = new State { LastSentTrue = DateTimeOffset.MinValue };
                state.Timer = _time.CreateTimer(OnIdle, (conversationId, state), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _states[conversationId] = state;
            }

            state.LastNotified = now;
            due = now - state.LastSentTrue >= _debounce;
            if (due)
            {
                state.LastSentTrue = now;
            }

            state.Timer!.Change(_idle, Timeout.InfiniteTimeSpan);
        }

        return due ? _send(conversationId, true, cancellationToken) : ValueTask.CompletedTask;
    }

    /// <summary>The user stopped typing (sent the message): sends <c>is_typing=false</c> now if typing was announced.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the frame write.</param>
    /// <returns>Completes when the frame, if one was due, is written.</returns>
    public ValueTask StopAsync(string conversationId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!TryRemove(conversationId, expected: null))
            {
                return ValueTask.CompletedTask;
            }
        }

        return _send(conversationId, false, cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var state in _states.Values)
            {
                state.Timer?.Dispose();
            }

            _states.Clear();
        }
    }

    private void OnIdle(object? argument)
    {
        var (conversationId, expected) = ((string, State))argument!;
        lock (_gate)
        {
            if (_disposed || !_states.TryGetValue(conversationId, out var state) || !ReferenceEquals(state, expected))
            {
                return;
            }

            // Early by the wall clock (timers and clocks differ slightly), or a notification re-armed the timer while
            // this callback was on its way: wait for the rest of the quiet period.
            var remaining = _idle - (_time.GetUtcNow() - state.LastNotified);
            if (remaining > TimeSpan.Zero)
            {
                state.Timer!.Change(remaining, Timeout.InfiniteTimeSpan);
                return;
            }

            TryRemove(conversationId, expected);
        }

        _ = SendStopAsync(conversationId);
    }

    private async Task SendStopAsync(string conversationId)
    {
        try
        {
            await _send(conversationId, false, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.TypingStopFailed(conversationId, ex);
        }
    }

    private bool TryRemove(string conversationId, State? expected)
    {
        if (!_states.TryGetValue(conversationId, out var state) || (expected is not null && !ReferenceEquals(state, expected)))
        {
            return false;
        }

        _states.Remove(conversationId);
        state.Timer?.Dispose();
        return true;
    }

    private sealed class State
    {
        public DateTimeOffset LastSentTrue { get; set; }

        public DateTimeOffset LastNotified { get; set; }

        public ITimer? Timer { get; set; }
    }
}
