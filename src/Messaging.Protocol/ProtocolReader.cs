using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Messaging.Protocol.Serialization;

namespace Messaging.Protocol;

/// <summary>
/// Parses frames from UTF-8 JSON in one pass without throwing: malformed JSON, an unknown <c>type</c>, a missing
/// required field or a field of the wrong JSON type give <see langword="false"/> and a message naming the problem.
/// Unknown fields are ignored. Timestamps are returned in UTC.
/// </summary>
public static class ProtocolReader
{
    private delegate T? FrameBuilder<T>(string type, ref FrameFields fields, ref FieldValidator v)
        where T : class;

    /// <summary>Parses a frame a client sent (server side).</summary>
    /// <param name="utf8">One complete JSON text message.</param>
    /// <param name="frame">The frame, when parsing succeeded.</param>
    /// <param name="error">Why parsing failed, when it did.</param>
    /// <returns><see langword="true"/> when <paramref name="frame"/> was parsed.</returns>
    public static bool TryParse(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out ClientFrame? frame, [NotNullWhen(false)] out string? error) =>
        TryParse(utf8, BuildClientFrame, out frame, out error);

    /// <summary>Parses a frame the server sent (client side).</summary>
    /// <param name="utf8">One complete JSON text message.</param>
    /// <param name="frame">The frame, when parsing succeeded.</param>
    /// <param name="error">Why parsing failed, when it did.</param>
    /// <returns><see langword="true"/> when <paramref name="frame"/> was parsed.</returns>
    public static bool TryParse(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out ServerFrame? frame, [NotNullWhen(false)] out string? error) =>
        TryParse(utf8, BuildServerFrame, out frame, out error);

    private static ClientFrame? BuildClientFrame(string type, ref FrameFields fields, ref FieldValidator v) => type switch
    {
        FrameTypes.Message => new SendMessageFrame(
            v.RequiredString(fields.ConversationId, "conversation_id"),
            v.RequiredString(fields.Content, "content"),
            v.RequiredString(fields.ClientMsgId, "client_msg_id"),
            v.OptionalString(fields.MediaId, "media_id")),
        FrameTypes.Typing => new TypingFrame(v.RequiredString(fields.ConversationId, "conversation_id"), v.RequiredBoolean(fields.IsTyping, "is_typing")),
        FrameTypes.Ack => ReadAck(ref fields, ref v),
        FrameTypes.Sync => new SyncFrame(v.OptionalCursors(fields.Cursors, "cursors")),
        FrameTypes.PresenceSubscribe => new PresenceSubscribeFrame(v.RequiredStringArray(fields.UserIds, "user_ids")),
        FrameTypes.Ping => PingFrame.Instance,
        _ => Unknown<ClientFrame>(type, ref v),
    };

    private static ServerFrame? BuildServerFrame(string type, ref FrameFields fields, ref FieldValidator v) => type switch
    {
        FrameTypes.Message => new MessageFrame(ReadMessage(ref fields, ref v)),
        FrameTypes.StatusUpdate => new StatusUpdateFrame(
            v.RequiredString(fields.MessageId, "message_id"),
            v.RequiredString(fields.ConversationId, "conversation_id"),
            v.RequiredInt64(fields.Seq, "seq"),
            v.RequiredEnum<DeliveryStatus>(fields.Status, "status"),
            v.OptionalString(fields.ClientMsgId, "client_msg_id"),
            v.RequiredTimestamp(fields.Timestamp, "timestamp")),
        FrameTypes.Typing => new UserTypingFrame(
            v.RequiredString(fields.ConversationId, "conversation_id"),
            v.RequiredString(fields.UserId, "user_id"),
            v.RequiredBoolean(fields.IsTyping, "is_typing")),
        FrameTypes.Presence => new PresenceFrame(
            v.RequiredString(fields.UserId, "user_id"),
            v.RequiredEnum<PresenceState>(fields.Status, "status"),
            v.OptionalTimestamp(fields.LastSeen, "last_seen")),
        FrameTypes.SyncComplete => new SyncCompleteFrame(v.RequiredCursors(fields.Cursors, "cursors")),
        FrameTypes.Error => new ErrorFrame(
            v.RequiredString(fields.Code, "code"),
            v.OptionalString(fields.Message, "message") ?? string.Empty,
            v.OptionalString(fields.ClientMsgId, "client_msg_id")),
        FrameTypes.Pong => PongFrame.Instance,
        _ => Unknown<ServerFrame>(type, ref v),
    };

    /// <summary>Builds a <see cref="MessageData"/> from the fields of a <c>message</c> frame or REST message object.</summary>
    internal static MessageData ReadMessage(ref FrameFields fields, ref FieldValidator v) => new()
    {
        MessageId = v.RequiredString(fields.MessageId, "message_id"),
        ConversationId = v.RequiredString(fields.ConversationId, "conversation_id"),
        Seq = v.RequiredInt64(fields.Seq, "seq"),
        SenderId = v.RequiredString(fields.SenderId, "sender_id"),
        ClientMsgId = v.RequiredString(fields.ClientMsgId, "client_msg_id"),
        Content = v.RequiredString(fields.Content, "content"),
        MediaId = v.OptionalString(fields.MediaId, "media_id"),

        // Additive: a malformed media object is ignored like an unknown field.
        Media = fields.Media.State == FieldState.Present ? fields.Media.Value : null,

        // Additive too: an absent, malformed or future kind reads as text.
        Kind = fields.Kind.State == FieldState.Present && WireEnum<MessageKind>.TryParse(fields.Kind.Value!, out var kind) ? kind : MessageKind.Text,
        Timestamp = v.RequiredTimestamp(fields.Timestamp, "timestamp"),
    };

    private static ClientFrame? ReadAck(ref FrameFields fields, ref FieldValidator v)
    {
        var hasIds = fields.MessageIds.State != FieldState.Absent;
        var hasRange = fields.ConversationId.State != FieldState.Absent || fields.UpToSeq.State != FieldState.Absent;
        if (hasIds == hasRange)
        {
            v.Reject("\"ack\" frame takes either \"message_ids\", or \"conversation_id\" with \"up_to_seq\".");
            return null;
        }

        var status = v.RequiredEnum<DeliveryStatus>(fields.Status, "status");
        if (v.Error is null && status == DeliveryStatus.Sent)
        {
            v.Reject("\"status\" of an \"ack\" frame must be \"delivered\" or \"read\".");
        }

        return hasIds
            ? new AckMessagesFrame(v.RequiredStringArray(fields.MessageIds, "message_ids"), status)
            : new AckUpToFrame(v.RequiredString(fields.ConversationId, "conversation_id"), v.RequiredInt64(fields.UpToSeq, "up_to_seq"), status);
    }

    private static bool TryParse<T>(ReadOnlySpan<byte> utf8, FrameBuilder<T> build, [NotNullWhen(true)] out T? frame, [NotNullWhen(false)] out string? error)
        where T : class
    {
        frame = null;
        if (!TryReadFields(utf8, out var fields, out var type, out error))
        {
            return false;
        }

        var v = new FieldValidator(type);
        var built = build(type, ref fields, ref v);
        if (v.Error is { } problem)
        {
            error = problem;
            return false;
        }

        if (built is null)
        {
            error = "Frame could not be read.";
            return false;
        }

        frame = built;
        return true;
    }

    private static T? Unknown<T>(string type, ref FieldValidator v)
        where T : class
    {
        v.Reject($"Unknown frame type \"{type}\".");
        return null;
    }

    private static bool TryReadFields(ReadOnlySpan<byte> utf8, out FrameFields fields, [NotNullWhen(true)] out string? type, [NotNullWhen(false)] out string? error)
    {
        fields = default;
        type = null;
        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "A frame must be a JSON object.";
                return false;
            }

            fields.ReadObject(ref reader);

            // Anything after the object makes the reader throw, which lands in the handler below.
            reader.Read();
        }
        catch (JsonException ex)
        {
            error = $"Invalid JSON: {ex.Message}";
            return false;
        }
        catch (InvalidOperationException ex)
        {
            // Raised for strings that are not valid UTF-8.
            error = $"Invalid JSON text: {ex.Message}";
            return false;
        }

        if (fields.Type is { State: FieldState.Present, Value: { } value })
        {
            type = value;
            error = null;
            return true;
        }

        error = fields.Type.State == FieldState.WrongType ? "\"type\" must be a string." : "A frame must have a \"type\".";
        return false;
    }
}
