namespace Messaging;

/// <summary>
/// What the engine sends to one client connection. A gateway turns each event into a wire frame. A closed set: each
/// kind is a sealed subclass.
/// </summary>
public abstract record ClientEvent
{
    private protected ClientEvent()
    {
    }
}

/// <summary>A message of one of the client's conversations, in seq order per conversation.</summary>
/// <param name="Message">The message.</param>
public sealed record MessageEvent(Message Message) : ClientEvent;

/// <summary>A receipt status of a message the client's user sent.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="MessageId">The message.</param>
/// <param name="Seq">The message's seq.</param>
/// <param name="Status">Sent, delivered or read.</param>
/// <param name="ClientMsgId">The sender's client message id.</param>
/// <param name="Timestamp">When the status changed.</param>
public sealed record StatusEvent(string ConversationId, string MessageId, long Seq, ReceiptStatus Status, string? ClientMsgId, DateTimeOffset Timestamp) : ClientEvent;

/// <summary>Another member started or stopped typing.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="UserId">Who is typing.</param>
/// <param name="IsTyping">Started or stopped.</param>
public sealed record TypingEvent(string ConversationId, string UserId, bool IsTyping) : ClientEvent;

/// <summary>A subscribed user's presence, as this client's user may see it.</summary>
/// <param name="Presence">The presence.</param>
public sealed record PresenceEvent(PresenceInfo Presence) : ClientEvent;

/// <summary>Catch-up finished: every message up to these seqs was sent; live delivery continues from here.</summary>
/// <param name="Cursors">The highest seq sent per conversation.</param>
public sealed record SyncCompleteEvent(IReadOnlyDictionary<string, long> Cursors) : ClientEvent;

/// <summary>A request of the client failed.</summary>
/// <param name="Kind">Why.</param>
/// <param name="Message">A message safe to show to the client.</param>
/// <param name="ClientMsgId">The client message id of the failed send, if any.</param>
public sealed record ErrorEvent(MessagingErrorKind Kind, string Message, string? ClientMsgId) : ClientEvent;

/// <summary>
/// The engine's view of one client connection, implemented by a gateway (WebSocket, tests). Writes never block:
/// the gateway owns a bounded queue and reports when it is full.
/// </summary>
public interface IClientConnection
{
    /// <summary>A unique id of the connection.</summary>
    string ConnectionId { get; }

    /// <summary>Queues an event for the client.</summary>
    /// <param name="clientEvent">The event.</param>
    /// <returns><see langword="false"/> when the queue is full or closed; the engine then calls <see cref="Abort"/>.</returns>
    bool TryWrite(ClientEvent clientEvent);

    /// <summary>Closes the connection (slow consumer, shutdown); the client resumes by catch-up.</summary>
    /// <param name="reason">Why.</param>
    void Abort(string reason);
}
