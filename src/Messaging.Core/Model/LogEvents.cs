namespace Messaging;

/// <summary>
/// One event of the <see cref="IEventLog"/>: <see cref="MessageLogEvent"/>, <see cref="MembershipLogEvent"/> or
/// <see cref="ReceiptLogEvent"/>. Its schema on the wire is <see cref="EventLogCodec"/>'s (<c>docs/event-log.md</c>).
/// </summary>
/// <param name="ConversationId">The conversation, the log's key.</param>
/// <param name="At">When the event happened (server UTC).</param>
public abstract record LogEvent(string ConversationId, DateTimeOffset At);

/// <summary>A committed message, a tombstone of a seq that could not be written, or a system message.</summary>
/// <param name="Message">The message as stored.</param>
public sealed record MessageLogEvent(Message Message) : LogEvent(Message.ConversationId, Message.Timestamp);

/// <summary>A member joined or left a conversation (creation counts as the creator joining).</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="At">When the change took effect.</param>
/// <param name="UserId">The member who joined or left.</param>
/// <param name="Joined">Whether the member joined (else left or was removed).</param>
/// <param name="Members">Every member after the change.</param>
public sealed record MembershipLogEvent(string ConversationId, DateTimeOffset At, string UserId, bool Joined, IReadOnlyList<string> Members) : LogEvent(ConversationId, At);

/// <summary>A device acknowledged a conversation's messages up to a seq (its watermark advanced to at least that).</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="At">When the ack was taken.</param>
/// <param name="UserId">The member.</param>
/// <param name="DeviceId">The member's device.</param>
/// <param name="Status">Delivered or read (read also means delivered).</param>
/// <param name="UpToSeq">The seq acknowledged.</param>
public sealed record ReceiptLogEvent(string ConversationId, DateTimeOffset At, string UserId, string DeviceId, ReceiptStatus Status, long UpToSeq) : LogEvent(ConversationId, At);

/// <summary>An event read back from the log with its position.</summary>
/// <param name="Position">Its position (on Kafka, its offset in the conversation's partition); increases within a conversation.</param>
/// <param name="Event">The event.</param>
public sealed record LoggedEvent(long Position, LogEvent Event);
