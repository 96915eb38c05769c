using Messaging.Protocol;

namespace Messaging.Client;

/// <summary>
/// Something <see cref="MessagingClient"/> observed. Read them with <see cref="MessagingClient.ReadEventsAsync"/> or
/// subscribe to the matching C# event. A closed set: each kind is a sealed subclass.
/// </summary>
public abstract record MessagingClientEvent
{
    private protected MessagingClientEvent()
    {
    }
}

/// <summary>
/// A message of one of the user's conversations (including the user's own messages sent from other devices): raised
/// once per message, in seq order per conversation, without gaps.
/// </summary>
/// <param name="Message">The message.</param>
public sealed record MessageReceivedEvent(MessageData Message) : MessagingClientEvent;

/// <summary>A message the user sent moved to a higher receipt status (sent, delivered, read); each status is raised once.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="MessageId">The message.</param>
/// <param name="Seq">The message's seq.</param>
/// <param name="Status">The new status.</param>
/// <param name="ClientMsgId">The client message id, when the server includes it.</param>
/// <param name="Timestamp">When the status changed (server UTC).</param>
public sealed record MessageStatusChangedEvent(string ConversationId, string MessageId, long Seq, DeliveryStatus Status, string? ClientMsgId, DateTimeOffset Timestamp) : MessagingClientEvent;

/// <summary>
/// Another member started or stopped typing. A stop is raised when the server says so, when a message from the typist
/// arrives, or when no new typing event came for <see cref="MessagingClientOptions.TypingExpiry"/>.
/// </summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="UserId">The typist.</param>
/// <param name="IsTyping">Started or stopped.</param>
public sealed record TypingChangedEvent(string ConversationId, string UserId, bool IsTyping) : MessagingClientEvent;

/// <summary>A subscribed user's presence, as the server lets this user see it.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Status">Online or offline.</param>
/// <param name="LastSeen">When the user was last online; <see langword="null"/> when online, unknown or hidden.</param>
public sealed record PresenceChangedEvent(string UserId, PresenceState Status, DateTimeOffset? LastSeen) : MessagingClientEvent;

/// <summary>The connection state changed.</summary>
/// <param name="PreviousState">The state before.</param>
/// <param name="State">The state now.</param>
/// <param name="Error">Why the connection dropped or could not be made, if it did.</param>
public sealed record ConnectionStateChangedEvent(ConnectionState PreviousState, ConnectionState State, Exception? Error) : MessagingClientEvent;

/// <summary>
/// The client reconnected after a drop, re-subscribed presence, asked the server to sync from its cursors and
/// re-sent its unacknowledged messages.
/// </summary>
/// <param name="Attempts">How many attempts the reconnect took.</param>
public sealed record ReconnectedEvent(int Attempts) : MessagingClientEvent;

/// <summary>The server reported an error that belongs to no pending send (a failed ack, typing or sync request).</summary>
/// <param name="Code">One of <c>Messaging.Protocol.ErrorCodes</c>.</param>
/// <param name="Message">The server's reason.</param>
public sealed record ServerErrorEvent(string Code, string Message) : MessagingClientEvent;
