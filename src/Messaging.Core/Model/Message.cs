namespace Messaging;

/// <summary>What a message carries.</summary>
public enum MessageKind
{
    /// <summary>A text message.</summary>
    Text,

    /// <summary>A message referencing uploaded media by id.</summary>
    Media,

    /// <summary>A system message (membership changes).</summary>
    System,

    /// <summary>
    /// A sequence number that could never be written. It keeps the sequence gap-free so no reader waits on a hole;
    /// it is never shown to users.
    /// </summary>
    Tombstone,
}

/// <summary>A stored message. Immutable once appended.</summary>
public sealed record Message
{
    /// <summary>The conversation the message belongs to.</summary>
    public required string ConversationId { get; init; }

    /// <summary>Per-conversation sequence number, 1..n without gaps.</summary>
    public required long Seq { get; init; }

    /// <summary>Server-assigned, time-sortable id (UUIDv7 by default).</summary>
    public required string MessageId { get; init; }

    /// <summary>The authenticated sender; never taken from a client frame.</summary>
    public required string SenderId { get; init; }

    /// <summary>The sender's idempotency key.</summary>
    public required string ClientMsgId { get; init; }

    /// <summary>The text content (may be empty for media messages).</summary>
    public required string Content { get; init; }

    /// <summary>The referenced media, if any.</summary>
    public string? MediaId { get; init; }

    /// <summary>The media's type, size and file name, when <see cref="MediaId"/> is set (what recipients render).</summary>
    public MediaAttachment? Media { get; init; }

    /// <summary>Server UTC time of the append.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>What the message carries.</summary>
    public MessageKind Kind { get; init; } = MessageKind.Text;
}
