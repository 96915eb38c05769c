using System.Text.Json;
using System.Text.Json.Serialization;

namespace Messaging.Stores.Redis;

/// <summary>
/// The storage format of a message in Redis: a small JSON object without the conversation id and the seq, which the
/// keys and the sorted-set score already hold. JSON (rather than a binary layout) because stored messages live for
/// days and are read by operators with <c>redis-cli</c>; unknown fields are ignored, so fields can be added.
/// </summary>
/// <remarks>
/// <code>
/// {"id":"&lt;message id&gt;","from":"&lt;sender id&gt;","cid":"&lt;client msg id&gt;","text":"&lt;content&gt;",
///  "media":"&lt;media id&gt;" (omitted when none),"ts":"&lt;ISO-8601 timestamp, 100 ns precision&gt;",
///  "kind":"text|media|system|tombstone",
///  "desc":{"type":"&lt;content type&gt;","size":&lt;bytes&gt;,"name":"&lt;file name&gt;"} (omitted when no media)}
/// </code>
/// The de-duplication entry (a claim) is <c>"&lt;seq&gt;"</c> when written by the composite path or by the atomic
/// step without a retention (the message stays at its seq for good), or <c>"&lt;seq&gt; &lt;payload&gt;"</c> (the seq
/// in decimal, one space, the payload) when written by the atomic step with a retention, so a repeat gets the original
/// even after retention removed it.
/// </remarks>
internal static class StoredMessageCodec
{
    public static string Encode(Message message) => System.Text.Encoding.UTF8.GetString(EncodeUtf8(message));

    /// <summary>The payload as UTF-8, what is sent to Redis (no intermediate string).</summary>
    public static byte[] EncodeUtf8(Message message)
    {
        var description = message.Media is { } media ? new StoredMedia(media.ContentType, media.Length, media.FileName) : null;
        var stored = new StoredMessage(message.MessageId, message.SenderId, message.ClientMsgId, message.Content, message.MediaId, message.Timestamp, KindName(message.Kind), description);
        return JsonSerializer.SerializeToUtf8Bytes(stored, StoredMessageJsonContext.Default.StoredMessage);
    }

    /// <exception cref="InvalidDataException">The payload is not a stored message.</exception>
    public static Message Decode(string conversationId, long seq, string payload)
        => Decode(conversationId, seq, System.Text.Encoding.UTF8.GetBytes(payload));

    /// <summary>Decodes a payload straight from the UTF-8 bytes Redis returned.</summary>
    /// <exception cref="InvalidDataException">The payload is not a stored message.</exception>
    public static Message Decode(string conversationId, long seq, ReadOnlySpan<byte> payload)
    {
        StoredMessage? stored;
        try
        {
            stored = JsonSerializer.Deserialize(payload, StoredMessageJsonContext.Default.StoredMessage);
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException("A stored message is malformed.", exception);
        }

        if (stored is null || stored.Id is null || stored.From is null || stored.Cid is null || stored.Text is null || stored.Ts == default)
        {
            throw new InvalidDataException("A stored message lacks a required field.");
        }

        return new Message
        {
            ConversationId = conversationId,
            Seq = seq,
            MessageId = stored.Id,
            SenderId = stored.From,
            ClientMsgId = stored.Cid,
            Content = stored.Text,
            MediaId = stored.Media,
            Timestamp = stored.Ts,
            Kind = ParseKind(stored.Kind),
            Media = stored.Desc is { Type: not null, Name: not null } desc ? new MediaAttachment(desc.Type, desc.Size, desc.Name) : null,
        };
    }

    /// <summary>Decodes a de-duplication entry ("&lt;seq&gt; &lt;payload&gt;").</summary>
    /// <exception cref="InvalidDataException">The entry is malformed.</exception>
    public static Message DecodeClientEntry(string conversationId, string entry)
        => DecodeClientEntry(conversationId, System.Text.Encoding.UTF8.GetBytes(entry));

    /// <summary>Decodes a de-duplication entry from the UTF-8 bytes Redis returned.</summary>
    /// <exception cref="InvalidDataException">The entry is malformed.</exception>
    public static Message DecodeClientEntry(string conversationId, ReadOnlySpan<byte> entry)
    {
        var space = entry.IndexOf((byte)' ');
        if (space <= 0)
        {
            throw new InvalidDataException("A de-duplication entry is malformed.");
        }

        return Decode(conversationId, ClaimSeq(entry), entry[(space + 1)..]);
    }

    /// <summary>The seq of a de-duplication claim: "&lt;seq&gt;" (composite path) or "&lt;seq&gt; &lt;payload&gt;" (atomic step).</summary>
    /// <exception cref="InvalidDataException">The claim is malformed.</exception>
    public static long ClaimSeq(ReadOnlySpan<byte> claim)
    {
        var space = claim.IndexOf((byte)' ');
        var digits = space < 0 ? claim : claim[..space];
        return digits.Length > 0 && digits[0] is not ((byte)'+' or (byte)'-')
            && System.Buffers.Text.Utf8Parser.TryParse(digits, out long seq, out var consumed) && consumed == digits.Length && seq >= 0
            ? seq
            : throw new InvalidDataException("A de-duplication entry is malformed.");
    }

    // Names rather than numbers, so reordering the enum can never change what stored messages mean.
    private static string KindName(MessageKind kind) => kind switch
    {
        MessageKind.Text => "text",
        MessageKind.Media => "media",
        MessageKind.System => "system",
        MessageKind.Tombstone => "tombstone",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown message kind."),
    };

    private static MessageKind ParseKind(string? name) => name switch
    {
        "text" or null => MessageKind.Text,
        "media" => MessageKind.Media,
        "system" => MessageKind.System,
        "tombstone" => MessageKind.Tombstone,
        _ => throw new InvalidDataException($"Unknown message kind '{name}'."),
    };
}

internal sealed record StoredMessage(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("from")] string From,
    [property: JsonPropertyName("cid")] string Cid,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("media")] string? Media,
    [property: JsonPropertyName("ts")] DateTimeOffset Ts,
    [property: JsonPropertyName("kind")] string? Kind,
    [property: JsonPropertyName("desc")] StoredMedia? Desc = null);

internal sealed record StoredMedia(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("name")] string Name);

[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(StoredMessage))]
internal sealed partial class StoredMessageJsonContext : JsonSerializerContext;
