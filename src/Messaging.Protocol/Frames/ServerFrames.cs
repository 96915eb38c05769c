namespace Messaging.Protocol;

/// <summary>
/// A frame the server sends to a client (one JSON text WebSocket message). A closed set: each <c>type</c> is a sealed
/// subclass. Read with <see cref="ProtocolReader"/>, written with <see cref="ProtocolWriter"/>.
/// </summary>
public abstract record ServerFrame
{
    private protected ServerFrame()
    {
    }

    /// <summary>The frame's <c>type</c> on the wire (one of <see cref="FrameTypes"/>).</summary>
    public abstract string Type { get; }
}

/// <summary><c>{"type":"message",..message fields}</c>: a message of one of the user's conversations, in seq order.</summary>
/// <param name="Message">The message.</param>
public sealed record MessageFrame(MessageData Message) : ServerFrame
{
    /// <inheritdoc />
    public override string Type => FrameTypes.Message;
}

/// <summary><c>{"type":"status_update","message_id","conversation_id","seq","status","client_msg_id","timestamp"}</c>.</summary>
/// <param name="MessageId">The message.</param>
/// <param name="ConversationId">The conversation.</param>
/// <param name="Seq">The message's seq.</param>
/// <param name="Status">Sent, delivered or read.</param>
/// <param name="ClientMsgId">The sender's client message id, when known.</param>
/// <param name="Timestamp">When the status changed (UTC).</param>
public sealed record StatusUpdateFrame(string MessageId, string ConversationId, long Seq, DeliveryStatus Status, string? ClientMsgId, DateTimeOffset Timestamp) : ServerFrame
{
    /// <inheritdoc />
    public override string Type => FrameTypes.StatusUpdate;
}

/// <summary><c>{"type":"typing","conversation_id","user_id","is_typing"}</c>: another member started or stopped typing.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="UserId">Who is typing.</param>
/// <param name="IsTyping">Started or stopped; receivers clear it after 3 s without a new event.</param>
public sealed record UserTypingFrame(string ConversationId, string UserId, bool IsTyping) : ServerFrame
{
    /// <inheritdoc />
    public override string Type => FrameTypes.Typing;
}

/// <summary><c>{"type":"presence","user_id","status","last_seen"}</c>: a subscribed user's presence.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Status">Online or offline.</param>
/// <param name="LastSeen">When the user was last online; <see langword="null"/> when online, unknown or hidden.</param>
public sealed record PresenceFrame(string UserId, PresenceState Status, DateTimeOffset? LastSeen) : ServerFrame
{
    /// <inheritdoc />
    public override string Type => FrameTypes.Presence;
}

/// <summary><c>{"type":"sync_complete","cursors":{..}}</c>: catch-up finished; live delivery continues from here.</summary>
/// <param name="Cursors">The highest seq sent per conversation.</param>
public sealed record SyncCompleteFrame(IReadOnlyDictionary<string, long> Cursors) : ServerFrame
{
    /// <inheritdoc />
    public override string Type => FrameTypes.SyncComplete;
}

/// <summary><c>{"type":"error","code","message","client_msg_id"}</c>: a request of the client failed; the connection stays open.</summary>
/// <param name="Code">One of <see cref="ErrorCodes"/>.</param>
/// <param name="Message">A human-readable reason.</param>
/// <param name="ClientMsgId">The client message id of the failed <c>message</c> frame, if any.</param>
public sealed record ErrorFrame(string Code, string Message, string? ClientMsgId = null) : ServerFrame
{
    /// <inheritdoc />
    public override string Type => FrameTypes.Error;
}

/// <summary><c>{"type":"pong"}</c>: the answer to <c>ping</c>.</summary>
public sealed record PongFrame : ServerFrame
{
    /// <summary>The one pong frame.</summary>
    public static PongFrame Instance { get; } = new();

    /// <inheritdoc />
    public override string Type => FrameTypes.Pong;
}
