using System.Collections.Concurrent;

namespace Messaging;

/// <summary>An <see cref="IEventLog"/> held in process memory: each conversation's events in append order.</summary>
/// <remarks>
/// Limits: one process only; lost on restart; it keeps every event until the process ends (no retention), so it suits
/// tests, development hosts and hosts that read it in process. A position is the event's index in its conversation.
/// Registered only when asked for (<c>AddMessaging().UseInMemoryEventLog()</c>).
/// </remarks>
public sealed class InMemoryEventLog : IEventLog
{
    private readonly ConcurrentDictionary<string, List<LogEvent>> _conversations = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask AppendAsync(IReadOnlyList<LogEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var logEvent in events)
        {
            ArgumentNullException.ThrowIfNull(logEvent, nameof(events));
            var list = _conversations.GetOrAdd(logEvent.ConversationId, static _ => []);
            lock (list)
            {
                list.Add(logEvent);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<long> GetEndAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_conversations.TryGetValue(conversationId, out var list))
        {
            return ValueTask.FromResult(0L);
        }

        lock (list)
        {
            return ValueTask.FromResult((long)list.Count);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<LoggedEvent>> ReadAsync(string conversationId, long afterPosition, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentOutOfRangeException.ThrowIfLessThan(afterPosition, -1);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_conversations.TryGetValue(conversationId, out var list))
        {
            return ValueTask.FromResult<IReadOnlyList<LoggedEvent>>([]);
        }

        lock (list)
        {
            var result = new List<LoggedEvent>();
            for (var position = afterPosition + 1; position < list.Count && result.Count < limit; position++)
            {
                result.Add(new LoggedEvent(position, list[(int)position]));
            }

            return ValueTask.FromResult<IReadOnlyList<LoggedEvent>>(result);
        }
    }
}
