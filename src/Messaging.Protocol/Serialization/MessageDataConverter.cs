using System.Text.Json;
using System.Text.Json.Serialization;

namespace Messaging.Protocol.Serialization;

/// <summary>
/// The one encoding of <see cref="MessageData"/>, used by the <c>message</c> frame (after <c>type</c>) and by REST
/// bodies: <c>message_id, conversation_id, seq, sender_id, client_msg_id, content, media_id, [media,] kind, timestamp</c>.
/// </summary>
internal sealed class MessageDataConverter : JsonConverter<MessageData>
{
    public static void WriteProperties(Utf8JsonWriter writer, MessageData message)
    {
        writer.WriteString(JsonFields.MessageId, message.MessageId);
        writer.WriteString(JsonFields.ConversationId, message.ConversationId);
        writer.WriteNumber(JsonFields.Seq, message.Seq);
        writer.WriteString(JsonFields.SenderId, message.SenderId);
        writer.WriteString(JsonFields.ClientMsgId, message.ClientMsgId);
        writer.WriteString(JsonFields.Content, message.Content);
        writer.WriteString(JsonFields.MediaId, message.MediaId);
        if (message.Media is { } media)
        {
            writer.WriteStartObject(JsonFields.Media);
            writer.WriteString(JsonFields.ContentType, media.ContentType);
            writer.WriteNumber(JsonFields.Size, media.Size);
            writer.WriteString(JsonFields.FileName, media.FileName);
            writer.WriteEndObject();
        }

        writer.WriteString(JsonFields.Kind, WireEnum<MessageKind>.NameOf(message.Kind));
        writer.WriteString(JsonFields.Timestamp, message.Timestamp.UtcDateTime);
    }

    public override MessageData Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A message must be a JSON object.");
        }

        var fields = default(FrameFields);
        fields.ReadObject(ref reader);
        var validator = new FieldValidator(FrameTypes.Message);
        var message = ProtocolReader.ReadMessage(ref fields, ref validator);
        return validator.Error is null ? message : throw new JsonException(validator.Error);
    }

    public override void Write(Utf8JsonWriter writer, MessageData value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        WriteProperties(writer, value);
        writer.WriteEndObject();
    }
}
