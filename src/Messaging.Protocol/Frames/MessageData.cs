using System.Text.Json.Serialization;
using Messaging.Protocol.Serialization;

namespace Messaging.Protocol;

/// <summary>
/// A stored message as the wire shows it: the body of a <c>message</c> frame without <c>type</c>, and the element of
/// REST message lists. Frame writer and JSON context share one encoding, so both shapes are identical by construction.
/// </summary>
[JsonConverter(typeof(MessageDataConverter))]
public sealed record MessageData
{
    /// <summary><c>message_id</c>: server-assigned, time-sortable id.</summary>
    public required string MessageId { get; init; }

    /// <summary><c>conversation_id</c>.</summary>
    public required string ConversationId { get; init; }

    /// <summary><c>seq</c>: per-conversation sequence number, 1..n without gaps.</summary>
    public required long Seq { get; init; }

    /// <summary><c>sender_id</c>: the authenticated sender.</summary>
    public required string SenderId { get; init; }

    /// <summary><c>client_msg_id</c>: the sender's idempotency key.</summary>
    public required string ClientMsgId { get; init; }

    /// <summary><c>content</c>: the text content.</summary>
    public required string Content { get; init; }

    /// <summary><c>media_id</c>: the referenced media, or <see langword="null"/>.</summary>
    public string? MediaId { get; init; }

    /// <summary><c>media</c>: type, size and file name of the referenced media; absent for other messages.</summary>
    public MediaData? Media { get; init; }

    /// <summary><c>kind</c>: <c>text</c>, <c>media</c> or <c>system</c>; <c>text</c> when absent or unknown.</summary>
    public MessageKind Kind { get; init; }

    /// <summary><c>timestamp</c>: server UTC time of the append.</summary>
    public required DateTimeOffset Timestamp { get; init; }
}
