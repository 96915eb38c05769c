namespace Messaging.Conformance;

/// <summary>A position in a device's event log: the connection index and how many of its events came before.</summary>
internal readonly record struct LogPosition(int Connection, int Count);

/// <summary>One device of the model run: its live session, if any, and every connection it ever had.</summary>
internal sealed class ModelDevice(int user, int device, string userId, string deviceId)
{
    private readonly List<RecordingClientConnection> _connections = [];

    public int User { get; } = user;

    public int Device { get; } = device;

    public string UserId { get; } = userId;

    public string DeviceId { get; } = deviceId;

    public MessagingSession? Session { get; private set; }

    public RecordingClientConnection? Connection => Session is null ? null : _connections[^1];

    /// <summary>Where the log ends now.</summary>
    public LogPosition Position => _connections.Count == 0 ? new(0, 0) : new(_connections.Count - 1, _connections[^1].Events.Count);

    /// <summary>The events of each connection, in connection order.</summary>
    public IEnumerable<IReadOnlyList<ClientEvent>> LogByConnection() => _connections.Select(c => c.Events);

    /// <summary>Every event of every connection, in order.</summary>
    public IReadOnlyList<ClientEvent> Log => [.. _connections.SelectMany(c => c.Events)];

    /// <summary>The highest seq of a conversation this device received.</summary>
    public long HighestSeq(string conversationId)
        => Log.OfType<MessageEvent>().Where(e => e.Message.ConversationId == conversationId).Select(e => e.Message.Seq).DefaultIfEmpty(0).Max();

    public async Task ConnectAsync(MessagingEngine node, Func<Task, string, Task> waitFor, CancellationToken cancellationToken)
    {
        var connection = new RecordingClientConnection();
        _connections.Add(connection);
        Session = await node.ConnectAsync(UserId, DeviceId, connection, cancellationToken).ConfigureAwait(false);
        await waitFor(connection.WhenSyncCompletedAsync(), $"the catch-up of u{User}/d{Device}").ConfigureAwait(false);
    }

    public async Task DisconnectAsync()
    {
        if (Session is { } session)
        {
            Session = null;
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The events between two positions (to the end when <paramref name="to"/> is null).</summary>
    public IEnumerable<ClientEvent> EventsBetween(LogPosition from, LogPosition? to)
    {
        var last = to?.Connection ?? _connections.Count - 1;
        for (var i = from.Connection; i <= last && i < _connections.Count; i++)
        {
            var events = _connections[i].Events;
            var start = i == from.Connection ? from.Count : 0;
            var end = to is { } stop && i == stop.Connection ? Math.Min(stop.Count, events.Count) : events.Count;
            for (var j = start; j < end; j++)
            {
                yield return events[j];
            }
        }
    }

    public override string ToString() => $"u{User}/d{Device}";
}
