using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Messaging;

/// <summary>
/// The event log's record format (schema version 1): one UTF-8 JSON object per <see cref="LogEvent"/>, readable by any
/// JSON parser. The log's key is the conversation id (UTF-8).
/// </summary>
/// <remarks>
/// <code>
/// {"v":1,"type":"message","conversation_id":"c1","at":"2025-01-15T10:30:00+00:00",
///  "message":{"message_id":"m1","seq":41,"sender_id":"alice","client_msg_id":"uuid-1","content":"Hello!",
///             "media_id":null,"kind":"text","timestamp":"2025-01-15T10:30:00+00:00"}}      kind: text | media | system | tombstone
/// {"v":1,"type":"membership","conversation_id":"g1","at":"...","user_id":"dave","change":"joined","members":["alice","dave"]}
///                                                                                          change: joined | left
/// {"v":1,"type":"receipt","conversation_id":"c1","at":"...","user_id":"bob","device_id":"phone","status":"read","up_to_seq":42}
///                                                                                          status: delivered | read
/// </code>
/// Readers ignore fields they do not know (later versions only add fields; a change that is not additive gets a new
/// <c>v</c>), and fail with <see cref="InvalidDataException"/> on malformed input, an unknown <c>v</c> or an unknown
/// <c>type</c>. The full description is <c>docs/event-log.md</c>.
/// </remarks>
public static class EventLogCodec
{
    /// <summary>The schema version this codec writes (and the only one it reads).</summary>
    public const int Version = 1;

    /// <summary>Encodes an event.</summary>
    /// <param name="logEvent">The event.</param>
    /// <returns>The record's value.</returns>
    public static byte[] Encode(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("v", Version);
            switch (logEvent)
            {
                case MessageLogEvent m:
                    WriteHead(json, "message", logEvent);
                    json.WriteStartObject("message");
                    WriteMessage(json, m.Message);
                    json.WriteEndObject();
                    break;
                case MembershipLogEvent g:
                    WriteHead(json, "membership", logEvent);
                    json.WriteString("user_id", g.UserId);
                    json.WriteString("change", g.Joined ? "joined" : "left");
                    json.WriteStartArray("members");
                    foreach (var member in g.Members)
                    {
                        json.WriteStringValue(member);
                    }

                    json.WriteEndArray();
                    break;
                case ReceiptLogEvent r:
                    WriteHead(json, "receipt", logEvent);
                    json.WriteString("user_id", r.UserId);
                    json.WriteString("device_id", r.DeviceId);
                    json.WriteString("status", r.Status == ReceiptStatus.Read ? "read" : "delivered");
                    json.WriteNumber("up_to_seq", r.UpToSeq);
                    break;
                default:
                    throw new ArgumentException($"Unknown event type {logEvent.GetType().Name}.", nameof(logEvent));
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes an event.</summary>
    /// <param name="value">The record's value.</param>
    /// <returns>The event.</returns>
    /// <exception cref="InvalidDataException">The input is malformed, or of an unknown version or type.</exception>
    public static LogEvent Decode(ReadOnlySpan<byte> value)
    {
        try
        {
            var reader = new Utf8JsonReader(value);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            var version = root.GetProperty("v").GetInt32();
            if (version != Version)
            {
                throw new InvalidDataException($"Unknown event log schema version {version}.");
            }

            var conversationId = String(root, "conversation_id");
            var at = root.GetProperty("at").GetDateTimeOffset();
            return String(root, "type") switch
            {
                "message" => new MessageLogEvent(ReadMessage(root.GetProperty("message"), conversationId)),
                "membership" => new MembershipLogEvent(conversationId, at, String(root, "user_id"), String(root, "change") switch
                {
                    "joined" => true,
                    "left" => false,
                    var other => throw new InvalidDataException($"Unknown membership change '{other}'."),
                }, [.. root.GetProperty("members").EnumerateArray().Select(m => m.GetString() ?? throw new InvalidDataException("A member id is null."))]),
                "receipt" => new ReceiptLogEvent(conversationId, at, String(root, "user_id"), String(root, "device_id"), String(root, "status") switch
                {
                    "delivered" => ReceiptStatus.Delivered,
                    "read" => ReceiptStatus.Read,
                    var other => throw new InvalidDataException($"Unknown receipt status '{other}'."),
                }, root.GetProperty("up_to_seq").GetInt64()),
                var other => throw new InvalidDataException($"Unknown event type '{other}'."),
            };
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException("The event log record is malformed: " + exception.Message, exception);
        }
    }

    private static void WriteHead(Utf8JsonWriter json, string type, LogEvent logEvent)
    {
        json.WriteString("type", type);
        json.WriteString("conversation_id", logEvent.ConversationId);
        json.WriteString("at", logEvent.At);
    }

    private static void WriteMessage(Utf8JsonWriter json, Message message)
    {
        json.WriteString("message_id", message.MessageId);
        json.WriteNumber("seq", message.Seq);
        json.WriteString("sender_id", message.SenderId);
        json.WriteString("client_msg_id", message.ClientMsgId);
        json.WriteString("content", message.Content);
        json.WriteString("media_id", message.MediaId);
        json.WriteString("kind", message.Kind.ToString().ToLowerInvariant());
        json.WriteString("timestamp", message.Timestamp);
    }

    private static Message ReadMessage(JsonElement element, string conversationId) => new()
    {
        ConversationId = conversationId,
        Seq = element.GetProperty("seq").GetInt64(),
        MessageId = String(element, "message_id"),
        SenderId = String(element, "sender_id"),
        ClientMsgId = String(element, "client_msg_id"),
        Content = String(element, "content"),
        MediaId = element.TryGetProperty("media_id", out var media) && media.ValueKind == JsonValueKind.String ? media.GetString() : null,
        Timestamp = element.GetProperty("timestamp").GetDateTimeOffset(),
        Kind = String(element, "kind") switch
        {
            "text" => MessageKind.Text,
            "media" => MessageKind.Media,
            "system" => MessageKind.System,
            "tombstone" => MessageKind.Tombstone,
            var other => throw new InvalidDataException($"Unknown message kind '{other}'."),
        },
    };

    private static string String(JsonElement element, string name)
        => element.GetProperty(name).GetString() ?? throw new InvalidDataException(string.Format(CultureInfo.InvariantCulture, "'{0}' is null.", name));
}
