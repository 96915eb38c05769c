using Messaging.Protocol;

namespace Messaging.Client.Delivery;

/// <summary>
/// Remembers the highest receipt status reported per message so that each status is raised once and never goes
/// backwards (the server repeats <c>sent</c> for a re-sent message, and statuses of one message may race across
/// reconnects). Bounded: the oldest messages are forgotten first. Not thread-safe; the receive loop owns it.
/// </summary>
internal sealed class StatusTracker
{
    private readonly Dictionary<string, DeliveryStatus> _statuses = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly int _capacity;

    /// <summary>Creates a tracker remembering at most <paramref name="capacity"/> messages.</summary>
    /// <param name="capacity">The limit.</param>
    public StatusTracker(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>Records a status; tells whether it is news.</summary>
    /// <param name="messageId">The message.</param>
    /// <param name="status">The reported status.</param>
    /// <returns><see langword="true"/> when the status is higher than any reported before.</returns>
    public bool TryAdvance(string messageId, DeliveryStatus status)
    {
        if (_statuses.TryGetValue(messageId, out var known))
        {
            if (status <= known)
            {
                return false;
            }

            _statuses[messageId] = status;
            return true;
        }

        if (_statuses.Count >= _capacity && _order.TryDequeue(out var oldest))
        {
            _statuses.Remove(oldest);
        }

        _statuses[messageId] = status;
        _order.Enqueue(messageId);
        return true;
    }
}
