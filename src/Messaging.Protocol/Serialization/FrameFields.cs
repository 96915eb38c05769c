using System.Text.Json;

namespace Messaging.Protocol.Serialization;

/// <summary>Whether a field was absent, explicitly null, present with the expected JSON type, or present with another.</summary>
internal enum FieldState : byte
{
    Absent,
    Null,
    Present,
    WrongType,
}

/// <summary>One parsed field: its state and, when <see cref="FieldState.Present"/>, its value.</summary>
internal struct Field<T>
{
    public FieldState State;
    public T Value;

    public void Set(T value)
    {
        State = FieldState.Present;
        Value = value;
    }
}

/// <summary>
/// Every field any frame may carry, filled in one pass over a JSON object. Type mismatches are recorded, not thrown,
/// and only reported when the frame's <c>type</c> uses the field, so unknown or irrelevant fields stay ignored.
/// </summary>
internal struct FrameFields
{
    public Field<string> Type;
    public Field<string> ConversationId;
    public Field<string> Content;
    public Field<string> ClientMsgId;
    public Field<string> MediaId;
    public Field<string> MessageId;
    public Field<string[]> MessageIds;
    public Field<string> SenderId;
    public Field<long> Seq;
    public Field<long> UpToSeq;
    public Field<string> Status;
    public Field<DateTimeOffset> Timestamp;
    public Field<bool> IsTyping;
    public Field<string> UserId;
    public Field<string[]> UserIds;
    public Field<DateTimeOffset> LastSeen;
    public Field<Dictionary<string, long>> Cursors;
    public Field<string> Code;
    public Field<string> Message;
    public Field<MediaData> Media;
    public Field<string> Kind;

    /// <summary>
    /// Reads the object that starts at the reader's current <see cref="JsonTokenType.StartObject"/> token, leaving the
    /// reader on its <see cref="JsonTokenType.EndObject"/>. Throws <see cref="JsonException"/> only for invalid JSON.
    /// </summary>
    public void ReadObject(ref Utf8JsonReader reader)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (Match(ref reader, JsonFields.Type))
            {
                ReadString(ref reader, ref Type);
            }
            else if (Match(ref reader, JsonFields.ConversationId))
            {
                ReadString(ref reader, ref ConversationId);
            }
            else if (Match(ref reader, JsonFields.Content))
            {
                ReadString(ref reader, ref Content);
            }
            else if (Match(ref reader, JsonFields.ClientMsgId))
            {
                ReadString(ref reader, ref ClientMsgId);
            }
            else if (Match(ref reader, JsonFields.MediaId))
            {
                ReadString(ref reader, ref MediaId);
            }
            else if (Match(ref reader, JsonFields.MessageId))
            {
                ReadString(ref reader, ref MessageId);
            }
            else if (Match(ref reader, JsonFields.MessageIds))
            {
                ReadStringArray(ref reader, ref MessageIds);
            }
            else if (Match(ref reader, JsonFields.SenderId))
            {
                ReadString(ref reader, ref SenderId);
            }
            else if (Match(ref reader, JsonFields.Seq))
            {
                ReadInt64(ref reader, ref Seq);
            }
            else if (Match(ref reader, JsonFields.UpToSeq))
            {
                ReadInt64(ref reader, ref UpToSeq);
            }
            else if (Match(ref reader, JsonFields.Status))
            {
                ReadString(ref reader, ref Status);
            }
            else if (Match(ref reader, JsonFields.Timestamp))
            {
                ReadTimestamp(ref reader, ref Timestamp);
            }
            else if (Match(ref reader, JsonFields.IsTyping))
            {
                ReadBoolean(ref reader, ref IsTyping);
            }
            else if (Match(ref reader, JsonFields.UserId))
            {
                ReadString(ref reader, ref UserId);
            }
            else if (Match(ref reader, JsonFields.UserIds))
            {
                ReadStringArray(ref reader, ref UserIds);
            }
            else if (Match(ref reader, JsonFields.LastSeen))
            {
                ReadTimestamp(ref reader, ref LastSeen);
            }
            else if (Match(ref reader, JsonFields.Cursors))
            {
                ReadCursors(ref reader, ref Cursors);
            }
            else if (Match(ref reader, JsonFields.Code))
            {
                ReadString(ref reader, ref Code);
            }
            else if (Match(ref reader, JsonFields.Message))
            {
                ReadString(ref reader, ref Message);
            }
            else if (Match(ref reader, JsonFields.Media))
            {
                ReadMedia(ref reader, ref Media);
            }
            else if (Match(ref reader, JsonFields.Kind))
            {
                ReadString(ref reader, ref Kind);
            }
            else
            {
                // Unknown field: ignored, whatever its value.
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static bool Match(ref Utf8JsonReader reader, JsonEncodedText name) => reader.ValueTextEquals(name.EncodedUtf8Bytes);

    private static void ReadString(ref Utf8JsonReader reader, ref Field<string> field)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                field.Set(reader.GetString()!);
                break;
            case JsonTokenType.Null:
                field = new Field<string> { State = FieldState.Null };
                break;
            default:
                WrongType(ref reader, ref field);
                break;
        }
    }

    private static void ReadInt64(ref Utf8JsonReader reader, ref Field<long> field)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value))
        {
            field.Set(value);
        }
        else
        {
            WrongType(ref reader, ref field);
        }
    }

    private static void ReadBoolean(ref Utf8JsonReader reader, ref Field<bool> field)
    {
        reader.Read();
        if (reader.TokenType is JsonTokenType.True or JsonTokenType.False)
        {
            field.Set(reader.TokenType == JsonTokenType.True);
        }
        else
        {
            WrongType(ref reader, ref field);
        }
    }

    private static void ReadTimestamp(ref Utf8JsonReader reader, ref Field<DateTimeOffset> field)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            field = new Field<DateTimeOffset> { State = FieldState.Null };
        }
        else if (reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var value))
        {
            field.Set(value.ToUniversalTime());
        }
        else
        {
            WrongType(ref reader, ref field);
        }
    }

    private static void ReadStringArray(ref Utf8JsonReader reader, ref Field<string[]> field)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            field = new Field<string[]> { State = FieldState.Null };
            return;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            WrongType(ref reader, ref field);
            return;
        }

        var items = new List<string>();
        var valid = true;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                items.Add(reader.GetString()!);
            }
            else
            {
                valid = false;
                reader.Skip();
            }
        }

        if (valid)
        {
            field.Set([.. items]);
        }
        else
        {
            field = new Field<string[]> { State = FieldState.WrongType };
        }
    }

    private static void ReadCursors(ref Utf8JsonReader reader, ref Field<Dictionary<string, long>> field)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            field = new Field<Dictionary<string, long>> { State = FieldState.Null };
            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            WrongType(ref reader, ref field);
            return;
        }

        var cursors = new Dictionary<string, long>(StringComparer.Ordinal);
        var valid = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var seq))
            {
                cursors[key] = seq;
            }
            else
            {
                valid = false;
                reader.Skip();
            }
        }

        if (valid)
        {
            field.Set(cursors);
        }
        else
        {
            field = new Field<Dictionary<string, long>> { State = FieldState.WrongType };
        }
    }

    // {"content_type":"image/png","size":123,"file_name":"a.png"}; unknown members are ignored.
    private static void ReadMedia(ref Utf8JsonReader reader, ref Field<MediaData> field)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            WrongType(ref reader, ref field);
            return;
        }

        string? contentType = null, fileName = null;
        long? size = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            if (name == "content_type" && reader.TokenType == JsonTokenType.String)
            {
                contentType = reader.GetString();
            }
            else if (name == "file_name" && reader.TokenType == JsonTokenType.String)
            {
                fileName = reader.GetString();
            }
            else if (name == "size" && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value))
            {
                size = value;
            }
            else
            {
                reader.Skip();
            }
        }

        if (contentType is not null && fileName is not null && size is { } bytes)
        {
            field.Set(new MediaData(contentType, bytes, fileName));
        }
        else
        {
            field = new Field<MediaData> { State = FieldState.WrongType };
        }
    }

    private static void WrongType<T>(ref Utf8JsonReader reader, ref Field<T> field)
    {
        field = new Field<T> { State = FieldState.WrongType };
        reader.Skip();
    }
}
