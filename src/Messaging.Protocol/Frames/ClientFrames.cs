namespace Messaging.Protocol;

/// <summary>
/// A frame a client sends to the server (one JSON text WebSocket message). A closed set: each <c>type</c> is a sealed
/// subclass. Read with <see cref="ProtocolReader"/>, written with <see cref="ProtocolWriter"/>.
/// </summary>
public abstract record ClientFrame
{
    private protected ClientFrame()
    {
    }

    /// <summary>The frame's <c>type</c> on the wire (one of <see cref="FrameTypes"/>).</summary>
    public abstract string Type { get; }
}

/// <summary><c>{"type":"message","conversation_id","content","client_msg_id","media_id"}</c>: send a message.</summary>
/// <param name="ConversationId">The conversation to send to.</param>
/// <param name="Content">The text content.</param>
/// <param name="ClientMsgId">The client's idempotency key; a repeat returns the original result.</param>
/// <param name="MediaId">An uploaded media id, if any.</param>
public sealed record SendMessageFrame(string ConversationId, string Content, string ClientMsgId, string? MediaId = null) : ClientFrame
{
    /// <inheritdoc />
    public override string Type => FrameTypes.Message;
}

/// <summary><c>{"type":"typing","conversation_id","is_typing"}</c>: the user started or stopped typing.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="IsTyping">Started (<see langword="true"/>) or stopped.</param>
public sealed record TypingFrame(string ConversationId, bool IsTyping) : ClientFrame
{
    /// <inheritdoc />
    public override string Type => FrameTypes.Typing;
}

/// <summary><c>{"type":"ack","message_ids":[..],"status"}</c>: these messages were delivered or read.</summary>
/// <param name="MessageIds">The acknowledged message ids.</param>
/// <param name="Status"><see cref="DeliveryStatus.Delivered"/> or <see cref="DeliveryStatus.Read"/>.</param>
public sealed record AckMessagesFrame(IReadOnlyList<string> MessageIds, DeliveryStatus Status) : ClientFrame
{
    /// <inheritdoc />
    public override string Type => FrameTypes.Ack;
}

/// <summary><c>{"type":"ack","conversation_id","up_to_seq","status"}</c>: every message up to a seq was delivered or read.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="UpToSeq">The highest acknowledged seq.</param>
/// <param name="Status"><see cref="DeliveryStatus.Delivered"/> or <see cref="DeliveryStatus.Read"/>.</param>
public sealed record AckUpToFrame(string ConversationId, long UpToSeq, DeliveryStatus Status) : ClientFrame
{
    /// <inheritdoc />
    public override string Type => FrameTypes.Ack;
}

/// <summary><c>{"type":"sync","cursors":{..}}</c>: catch up; the server answers with messages, then <c>sync_complete</c>.</summary>
/// <param name="Cursors">The highest seq the client has per conversation; <see langword="null"/> (omitted) to use the device's stored marks.</param>
public sealed record SyncFrame(IReadOnlyDictionary<string, long>? Cursors = null) : ClientFrame
{
    /// <inheritdoc />
    public override string Type => FrameTypes.Sync;
}

/// <summary><c>{"type":"presence_subscribe","user_ids":[..]}</c>: push these users' presence now and on every change.</summary>
/// <param name="UserIds">The users to watch.</param>
public sealed record PresenceSubscribeFrame(IReadOnlyList<string> UserIds) : ClientFrame
{
    /// <inheritdoc />
    public override string Type => FrameTypes.PresenceSubscribe;
}

/// <summary><c>{"type":"ping"}</c>: keep-alive; refreshes the device's presence; the server answers <c>pong</c>.</summary>
public sealed record PingFrame : ClientFrame
{
    /// <summary>The one ping frame.</summary>
    public static PingFrame Instance { get; } = new();

    /// <inheritdoc />
    public override string Type => FrameTypes.Ping;
}
