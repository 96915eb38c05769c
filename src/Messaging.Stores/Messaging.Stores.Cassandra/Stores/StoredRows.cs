using System.Globalization;
using Messaging.Stores.Cassandra.Cql.Statements;

namespace Messaging.Stores.Cassandra;

/// <summary>
/// The storage format of messages and members in CQL rows. Times are <c>bigint</c> UTC ticks (100 ns since
/// 0001-01-01), not CQL <c>timestamp</c> (milliseconds), so a message reads back exactly as it was sent.
/// </summary>
/// <remarks>
/// A message row: <c>conversation_id, bucket, seq, message_id, sender_id, client_msg_id, content, media_id,
/// media_type, media_length, media_name, sent_at, kind</c> (<c>kind</c> is <c>text|media|system|tombstone</c>; the
/// three media description columns are null when the message has none). A member of a conversation is one element of
/// its <c>members list&lt;text&gt;</c>: <c>"&lt;admin|member&gt;:&lt;joined at ticks&gt;:&lt;user id&gt;"</c>, in join order.
/// </remarks>
internal static class StoredRows
{
    /// <summary>The columns of a message row, in the order <see cref="MessageValues"/> gives them.</summary>
    public const string MessageColumns = "conversation_id, bucket, seq, message_id, sender_id, client_msg_id, content, media_id, media_type, media_length, media_name, sent_at, kind";

    /// <summary>The values of a message row, in the order of <see cref="MessageColumns"/>.</summary>
    public static object?[] MessageValues(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return
        [
            message.ConversationId,
            MessageBuckets.Of(message.Seq),
            message.Seq,
            message.MessageId,
            message.SenderId,
            message.ClientMsgId,
            message.Content,
            message.MediaId,
            message.Media?.ContentType,
            message.Media?.Length,
            message.Media?.FileName,
            message.Timestamp.UtcTicks,
            KindName(message.Kind),
        ];
    }

    /// <summary>Reads a message row (selected with <see cref="MessageColumns"/>).</summary>
    /// <exception cref="InvalidDataException">A required column is missing.</exception>
    public static Message ReadMessage(CqlRow row)
    {
        var mediaType = row["media_type"] as string;
        var mediaName = row["media_name"] as string;
        return new Message
        {
            ConversationId = Required<string>(row, "conversation_id"),
            Seq = Required<long>(row, "seq"),
            MessageId = Required<string>(row, "message_id"),
            SenderId = Required<string>(row, "sender_id"),
            ClientMsgId = Required<string>(row, "client_msg_id"),
            Content = row["content"] as string ?? string.Empty,
            MediaId = row["media_id"] as string,
            Media = mediaType is not null && mediaName is not null ? new MediaAttachment(mediaType, row["media_length"] as long? ?? 0, mediaName) : null,
            Timestamp = new DateTimeOffset(Required<long>(row, "sent_at"), TimeSpan.Zero),
            Kind = ParseKind(Required<string>(row, "kind")),
        };
    }

    /// <summary>Whether a row (for example the existing row a failed <c>IF NOT EXISTS</c> returns) holds a whole message.</summary>
    public static bool HoldsMessage(CqlRow row)
        => row.Has("message_id") && row["message_id"] is string && row["sent_at"] is long && row["kind"] is string;

    /// <summary>One element of a conversation's <c>members</c> list.</summary>
    public static string EncodeMember(ConversationMember member)
    {
        ArgumentNullException.ThrowIfNull(member);
        var role = member.Role == MemberRole.Admin ? "admin" : "member";
        return string.Create(CultureInfo.InvariantCulture, $"{role}:{member.JoinedAt.UtcTicks}:{member.UserId}");
    }

    /// <summary>Reads one element of a conversation's <c>members</c> list.</summary>
    /// <exception cref="InvalidDataException">The element is not <c>role:ticks:user</c>.</exception>
    public static ConversationMember DecodeMember(string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var first = stored.IndexOf(':', StringComparison.Ordinal);
        var second = first < 0 ? -1 : stored.IndexOf(':', first + 1);
        if (second < 0 || !long.TryParse(stored.AsSpan(first + 1, second - first - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTime.MaxValue.Ticks)
        {
            throw new InvalidDataException($"A stored member '{stored}' is not role:ticks:user.");
        }

        var role = stored.AsSpan(0, first) switch
        {
            "admin" => MemberRole.Admin,
            "member" => MemberRole.Member,
            _ => throw new InvalidDataException($"A stored member '{stored}' has an unknown role."),
        };
        return new ConversationMember(stored[(second + 1)..], role, new DateTimeOffset(ticks, TimeSpan.Zero));
    }

    /// <summary>The stored name of a conversation kind.</summary>
    public static string KindName(ConversationKind kind) => kind == ConversationKind.Direct ? "direct" : "group";

    /// <summary>Reads a conversation row (selected with <c>conversation_id, kind, name, created_at, members</c>).</summary>
    /// <exception cref="InvalidDataException">A required column is missing or malformed.</exception>
    public static Conversation ReadConversation(CqlRow row) => new()
    {
        Id = Required<string>(row, "conversation_id"),
        Kind = Required<string>(row, "kind") switch
        {
            "direct" => ConversationKind.Direct,
            "group" => ConversationKind.Group,
            var other => throw new InvalidDataException($"A stored conversation has the unknown kind '{other}'."),
        },
        Name = row["name"] as string,
        CreatedAt = new DateTimeOffset(Required<long>(row, "created_at"), TimeSpan.Zero),
        Members = row["members"] is object?[] members ? [.. members.Select(m => DecodeMember(m as string ?? string.Empty))] : [],
    };

    private static T Required<T>(CqlRow row, string column)
        => row[column] is T value ? value : throw new InvalidDataException($"A stored row lacks its {column}.");

    private static string KindName(MessageKind kind) => kind switch
    {
        MessageKind.Media => "media",
        MessageKind.System => "system",
        MessageKind.Tombstone => "tombstone",
        _ => "text",
    };

    private static MessageKind ParseKind(string kind) => kind switch
    {
        "media" => MessageKind.Media,
        "system" => MessageKind.System,
        "tombstone" => MessageKind.Tombstone,
        "text" => MessageKind.Text,
        _ => throw new InvalidDataException($"A stored message has the unknown kind '{kind}'."),
    };
}
