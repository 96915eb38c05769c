namespace Messaging;

/// <summary>What travels over the backplane. A closed set: each kind is a sealed subclass.</summary>
public abstract record Envelope
{
    private protected Envelope()
    {
    }
}

/// <summary>A stored message to deliver.</summary>
/// <param name="Message">The message.</param>
/// <param name="OriginConnectionId">The sending connection, which already has the message and only advances its cursor.</param>
public sealed record MessageEnvelope(Message Message, string? OriginConnectionId) : Envelope;

/// <summary>A receipt status for the sender's devices.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="MessageId">The message whose status changed.</param>
/// <param name="Seq">The message's seq.</param>
/// <param name="Status">The new status.</param>
/// <param name="ClientMsgId">The sender's client message id.</param>
/// <param name="Timestamp">When the status changed.</param>
public sealed record StatusEnvelope(string ConversationId, string MessageId, long Seq, ReceiptStatus Status, string? ClientMsgId, DateTimeOffset Timestamp) : Envelope;

/// <summary>A typing indicator.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="UserId">Who is typing.</param>
/// <param name="IsTyping">Started or stopped.</param>
public sealed record TypingEnvelope(string ConversationId, string UserId, bool IsTyping) : Envelope;

/// <summary>A presence change of a user (before privacy is applied per viewer).</summary>
/// <param name="UserId">The user.</param>
/// <param name="Status">The new status.</param>
/// <param name="LastSeen">When the user was last online (for offline).</param>
public sealed record PresenceEnvelope(string UserId, PresenceStatus Status, DateTimeOffset? LastSeen) : Envelope;

/// <summary>A user joined or left a conversation; nodes adjust their subscriptions.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="UserId">The member.</param>
/// <param name="Joined"><see langword="true"/> when added, <see langword="false"/> when removed.</param>
public sealed record MembershipEnvelope(string ConversationId, string UserId, bool Joined) : Envelope;
