using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Messaging.Protocol.Serialization;

namespace Messaging.Protocol;

/// <summary>
/// Writes frames as compact UTF-8 JSON, <c>type</c> first and the other fields in the order of DESIGN section 6.
/// Timestamps are written in UTC with <c>Z</c>. Thread-safe; reuses one <see cref="Utf8JsonWriter"/> per thread.
/// </summary>
public static class ProtocolWriter
{
    // Frames are JSON text for WebSocket clients, never embedded in HTML, so non-ASCII text is written as is
    // (a third of the size of \u escapes for most scripts).
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [ThreadStatic]
    private static Utf8JsonWriter? t_cachedWriter;

    /// <summary>Writes a client frame to <paramref name="output"/>.</summary>
    /// <param name="frame">The frame.</param>
    /// <param name="output">Receives the UTF-8 JSON.</param>
    public static void Write(ClientFrame frame, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(frame);
        WriteFrame(frame.Type, frame, output, WriteClientFields);
    }

    /// <summary>Writes a server frame to <paramref name="output"/>.</summary>
    /// <param name="frame">The frame.</param>
    /// <param name="output">Receives the UTF-8 JSON.</param>
    public static void Write(ServerFrame frame, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(frame);
        WriteFrame(frame.Type, frame, output, WriteServerFields);
    }

    /// <summary>Writes a client frame to a new array.</summary>
    /// <param name="frame">The frame.</param>
    /// <returns>The UTF-8 JSON.</returns>
    public static byte[] ToUtf8Bytes(ClientFrame frame)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(frame, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes a server frame to a new array.</summary>
    /// <param name="frame">The frame.</param>
    /// <returns>The UTF-8 JSON.</returns>
    public static byte[] ToUtf8Bytes(ServerFrame frame)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(frame, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteFrame<T>(string type, T frame, IBufferWriter<byte> output, Action<Utf8JsonWriter, T> writeFields)
    {
        ArgumentNullException.ThrowIfNull(output);
        var writer = Rent(output);
        try
        {
            writer.WriteStartObject();
            writer.WriteString(JsonFields.Type, type);
            writeFields(writer, frame);
            writer.WriteEndObject();
            writer.Flush();
        }
        finally
        {
            Return(writer);
        }
    }

    private static void WriteClientFields(Utf8JsonWriter writer, ClientFrame frame)
    {
        switch (frame)
        {
            case SendMessageFrame send:
                writer.WriteString(JsonFields.ConversationId, send.ConversationId);
                writer.WriteString(JsonFields.Content, send.Content);
                writer.WriteString(JsonFields.ClientMsgId, send.ClientMsgId);
                writer.WriteString(JsonFields.MediaId, send.MediaId);
                break;
            case TypingFrame typing:
                writer.WriteString(JsonFields.ConversationId, typing.ConversationId);
                writer.WriteBoolean(JsonFields.IsTyping, typing.IsTyping);
                break;
            case AckMessagesFrame ack:
                WriteStrings(writer, JsonFields.MessageIds, ack.MessageIds);
                writer.WriteString(JsonFields.Status, WireEnum<DeliveryStatus>.NameOf(ack.Status));
                break;
            case AckUpToFrame ack:
                writer.WriteString(JsonFields.ConversationId, ack.ConversationId);
                writer.WriteNumber(JsonFields.UpToSeq, ack.UpToSeq);
                writer.WriteString(JsonFields.Status, WireEnum<DeliveryStatus>.NameOf(ack.Status));
                break;
            case SyncFrame sync when sync.Cursors is not null:
                WriteCursors(writer, sync.Cursors);
                break;
            case PresenceSubscribeFrame subscribe:
                WriteStrings(writer, JsonFields.UserIds, subscribe.UserIds);
                break;
        }
    }

    private static void WriteServerFields(Utf8JsonWriter writer, ServerFrame frame)
    {
        switch (frame)
        {
            case MessageFrame message:
                MessageDataConverter.WriteProperties(writer, message.Message);
                break;
            case StatusUpdateFrame status:
                writer.WriteString(JsonFields.MessageId, status.MessageId);
                writer.WriteString(JsonFields.ConversationId, status.ConversationId);
                writer.WriteNumber(JsonFields.Seq, status.Seq);
                writer.WriteString(JsonFields.Status, WireEnum<DeliveryStatus>.NameOf(status.Status));
                writer.WriteString(JsonFields.ClientMsgId, status.ClientMsgId);
                writer.WriteString(JsonFields.Timestamp, status.Timestamp.UtcDateTime);
                break;
            case UserTypingFrame typing:
                writer.WriteString(JsonFields.ConversationId, typing.ConversationId);
                writer.WriteString(JsonFields.UserId, typing.UserId);
                writer.WriteBoolean(JsonFields.IsTyping, typing.IsTyping);
                break;
            case PresenceFrame presence:
                writer.WriteString(JsonFields.UserId, presence.UserId);
                writer.WriteString(JsonFields.Status, WireEnum<PresenceState>.NameOf(presence.Status));
                WriteTimestamp(writer, JsonFields.LastSeen, presence.LastSeen);
                break;
            case SyncCompleteFrame complete:
                WriteCursors(writer, complete.Cursors);
                break;
            case ErrorFrame error:
                writer.WriteString(JsonFields.Code, error.Code);
                writer.WriteString(JsonFields.Message, error.Message);
                writer.WriteString(JsonFields.ClientMsgId, error.ClientMsgId);
                break;
        }
    }

    internal static void WriteTimestamp(Utf8JsonWriter writer, JsonEncodedText name, DateTimeOffset? value)
    {
        if (value is { } timestamp)
        {
            writer.WriteString(name, timestamp.UtcDateTime);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static void WriteStrings(Utf8JsonWriter writer, JsonEncodedText name, IReadOnlyList<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    private static void WriteCursors(Utf8JsonWriter writer, IReadOnlyDictionary<string, long> cursors)
    {
        writer.WriteStartObject(JsonFields.Cursors);
        foreach (var (conversationId, seq) in cursors)
        {
            writer.WriteNumber(conversationId, seq);
        }

        writer.WriteEndObject();
    }

    private static Utf8JsonWriter Rent(IBufferWriter<byte> output)
    {
        // Taken out of the slot while in use, so a nested call on the same thread gets its own writer.
        var writer = t_cachedWriter;
        if (writer is null)
        {
            return new Utf8JsonWriter(output, WriterOptions);
        }

        t_cachedWriter = null;
        writer.Reset(output);
        return writer;
    }

    private static void Return(Utf8JsonWriter writer)
    {
        // Drop the reference to the caller's buffer before caching the writer.
        writer.Reset(NullBufferWriter.Instance);
        t_cachedWriter = writer;
    }

    private sealed class NullBufferWriter : IBufferWriter<byte>
    {
        public static readonly NullBufferWriter Instance = new();

        public void Advance(int count) => throw new InvalidOperationException("A cached writer is not in use.");

        public Memory<byte> GetMemory(int sizeHint = 0) => throw new InvalidOperationException("A cached writer is not in use.");

        public Span<byte> GetSpan(int sizeHint = 0) => throw new InvalidOperationException("A cached writer is not in use.");
    }
}
