using Messaging.Protocol;

namespace Messaging.Client.Outbox;

/// <summary>
/// Messages sent but not yet acknowledged with a <c>sent</c> status, in the order they were sent. Each keeps its
/// <c>client_msg_id</c>, so re-sending after a reconnect never creates a second message. Thread-safe.
/// </summary>
internal sealed class Outbox
{
    private readonly object _gate = new();
    private readonly int _capacity;
    private readonly List<OutboxEntry> _entries = [];

    /// <summary>Creates an outbox holding at most <paramref name="capacity"/> messages.</summary>
    /// <param name="capacity">The limit.</param>
    public Outbox(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>The number of unacknowledged messages.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Adds a message.</summary>
    /// <param name="frame">The frame to (re-)send.</param>
    /// <returns>The entry, whose <see cref="OutboxEntry.Completion"/> completes when the server answers.</returns>
    /// <exception cref="MessagingClientException">The outbox is full (<see cref="ClientErrorCodes.OutboxFull"/>).</exception>
    public OutboxEntry Add(SendMessageFrame frame)
    {
        var entry = new OutboxEntry(frame);
        lock (_gate)
        {
            if (_entries.Count >= _capacity)
            {
                throw new MessagingClientException(
                    ClientErrorCodes.OutboxFull,
                    $"The outbox already holds {_capacity} unacknowledged messages.");
            }

            _entries.Add(entry);
        }

        return entry;
    }

    /// <summary>Completes and removes the message with this client message id.</summary>
    /// <param name="clientMsgId">The client message id from the <c>status_update</c>.</param>
    /// <param name="result">The stored message.</param>
    /// <returns><see langword="true"/> when a pending message was completed.</returns>
    public bool TryComplete(string clientMsgId, SentMessage result) =>
        TryRemove(clientMsgId) is { } entry && entry.Completion.TrySetResult(result);

    /// <summary>
    /// Completes and removes the pending message that <paramref name="message"/> is (same client message id,
    /// conversation and content): the client's own message came back through catch-up or history before its status.
    /// </summary>
    /// <param name="message">A message from the server.</param>
    /// <returns><see langword="true"/> when it was one of this client's pending messages.</returns>
    public bool TryCompleteWith(MessageData message)
    {
        OutboxEntry? entry;
        lock (_gate)
        {
            var index = _entries.FindIndex(e =>
                string.Equals(e.Frame.ClientMsgId, message.ClientMsgId, StringComparison.Ordinal)
                && string.Equals(e.Frame.ConversationId, message.ConversationId, StringComparison.Ordinal)
                && string.Equals(e.Frame.Content, message.Content, StringComparison.Ordinal));
            if (index < 0)
            {
                return false;
            }

            entry = _entries[index];
            _entries.RemoveAt(index);
        }

        entry.Completion.TrySetResult(new SentMessage(message.ConversationId, message.ClientMsgId, message.MessageId, message.Seq, message.Timestamp));
        return true;
    }

    /// <summary>Fails and removes the message with this client message id.</summary>
    /// <param name="clientMsgId">The client message id from the <c>error</c> frame.</param>
    /// <param name="error">The failure.</param>
    /// <returns><see langword="true"/> when a pending message was failed.</returns>
    public bool TryFail(string clientMsgId, Exception error) =>
        TryRemove(clientMsgId) is { } entry && entry.Completion.TrySetException(error);

    /// <summary>
    /// Asks for the message with this client message id to be written again by the next flush, on the same connection
    /// (the server refused it for now, for example because of its rate limit).
    /// </summary>
    /// <param name="clientMsgId">The client message id from the <c>error</c> frame.</param>
    /// <returns><see langword="true"/> when a pending message was found.</returns>
    public bool TryRequestResend(string clientMsgId)
    {
        lock (_gate)
        {
            var entry = _entries.Find(e => string.Equals(e.Frame.ClientMsgId, clientMsgId, StringComparison.Ordinal));
            if (entry is null)
            {
                return false;
            }

            entry.ResendRequested = true;
            return true;
        }
    }

    /// <summary>Removes an entry whose caller stopped waiting; it is not re-sent any more.</summary>
    /// <param name="entry">The entry.</param>
    public void Remove(OutboxEntry entry)
    {
        lock (_gate)
        {
            _entries.Remove(entry);
        }
    }

    /// <summary>The pending entries in send order.</summary>
    /// <returns>A snapshot.</returns>
    public OutboxEntry[] Snapshot()
    {
        lock (_gate)
        {
            return [.. _entries];
        }
    }

    /// <summary>Fails and removes every pending message (on dispose).</summary>
    /// <param name="error">The failure.</param>
    public void FailAll(Exception error)
    {
        OutboxEntry[] entries;
        lock (_gate)
        {
            entries = [.. _entries];
            _entries.Clear();
        }

        foreach (var entry in entries)
        {
            entry.Completion.TrySetException(error);
        }
    }

    private OutboxEntry? TryRemove(string clientMsgId)
    {
        lock (_gate)
        {
            var index = _entries.FindIndex(e => string.Equals(e.Frame.ClientMsgId, clientMsgId, StringComparison.Ordinal));
            if (index < 0)
            {
                return null;
            }

            var entry = _entries[index];
            _entries.RemoveAt(index);
            return entry;
        }
    }
}

/// <summary>One unacknowledged message.</summary>
/// <param name="frame">The frame to (re-)send.</param>
internal sealed class OutboxEntry(SendMessageFrame frame)
{
    /// <summary>The frame, with its fixed client message id.</summary>
    public SendMessageFrame Frame { get; } = frame;

    /// <summary>Completes with the server's answer; continuations run asynchronously, off the receive loop.</summary>
    public TaskCompletionSource<SentMessage> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// The connection generation this entry was last written on; the flush that owns the outbox's send order re-sends
    /// an entry once per new connection. Accessed only under that flush lock.
    /// </summary>
    public long SentOnGeneration { get; set; } = -1;

    /// <summary>Set when the server refused the message for now; the next flush writes it again even on the same connection.</summary>
    public bool ResendRequested
    {
        get => Volatile.Read(ref _resendRequested);
        set => Volatile.Write(ref _resendRequested, value);
    }

    private bool _resendRequested;
}
