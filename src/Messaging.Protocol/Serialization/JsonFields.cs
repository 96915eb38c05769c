using System.Text.Json;

namespace Messaging.Protocol.Serialization;

/// <summary>Every JSON property name of the frames (DESIGN section 6), pre-encoded once.</summary>
internal static class JsonFields
{
    public static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
    public static readonly JsonEncodedText ConversationId = JsonEncodedText.Encode("conversation_id");
    public static readonly JsonEncodedText Content = JsonEncodedText.Encode("content");
    public static readonly JsonEncodedText ClientMsgId = JsonEncodedText.Encode("client_msg_id");
    public static readonly JsonEncodedText MediaId = JsonEncodedText.Encode("media_id");
    public static readonly JsonEncodedText MessageId = JsonEncodedText.Encode("message_id");
    public static readonly JsonEncodedText MessageIds = JsonEncodedText.Encode("message_ids");
    public static readonly JsonEncodedText SenderId = JsonEncodedText.Encode("sender_id");
    public static readonly JsonEncodedText Seq = JsonEncodedText.Encode("seq");
    public static readonly JsonEncodedText UpToSeq = JsonEncodedText.Encode("up_to_seq");
    public static readonly JsonEncodedText Status = JsonEncodedText.Encode("status");
    public static readonly JsonEncodedText Timestamp = JsonEncodedText.Encode("timestamp");
    public static readonly JsonEncodedText IsTyping = JsonEncodedText.Encode("is_typing");
    public static readonly JsonEncodedText UserId = JsonEncodedText.Encode("user_id");
    public static readonly JsonEncodedText UserIds = JsonEncodedText.Encode("user_ids");
    public static readonly JsonEncodedText LastSeen = JsonEncodedText.Encode("last_seen");
    public static readonly JsonEncodedText Cursors = JsonEncodedText.Encode("cursors");
    public static readonly JsonEncodedText Code = JsonEncodedText.Encode("code");
    public static readonly JsonEncodedText Message = JsonEncodedText.Encode("message");
    public static readonly JsonEncodedText Media = JsonEncodedText.Encode("media");
    public static readonly JsonEncodedText Kind = JsonEncodedText.Encode("kind");
    public static readonly JsonEncodedText ContentType = JsonEncodedText.Encode("content_type");
    public static readonly JsonEncodedText Size = JsonEncodedText.Encode("size");
    public static readonly JsonEncodedText FileName = JsonEncodedText.Encode("file_name");
}
