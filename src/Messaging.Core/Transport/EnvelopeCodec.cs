using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Messaging;

/// <summary>
/// The one binary format of a <see cref="NodeEnvelope"/> in a node's inbox, whatever the backplane (the backplanes move
/// these bytes without parsing them). One envelope is encoded once, whatever the number of nodes it goes to.
/// </summary>
/// <remarks>
/// <code>
/// payload      = envelope | batch
/// envelope     = version:u8 (1) | audience | type:u8 | body
/// batch        = version:u8 (2) | count:varint | (length:varint | envelope) * count
///                (envelopes a publisher queued for one node while its previous publish to it was in flight)
/// audience     = userCount:varint | userId:string * userCount | followKind:u8 (0 none, 1 conversation, 2 presence)
///                [ | followId:string when followKind is not 0 ]
/// type 1       MessageEnvelope    origin:nstring | message
/// type 2       StatusEnvelope     conversationId:string | messageId:string | seq:varint | status:u8
///                                 | clientMsgId:nstring | timestamp:time
/// type 3       TypingEnvelope     conversationId:string | userId:string | isTyping:u8
/// type 4       PresenceEnvelope   userId:string | status:u8 | lastSeen:ntime
/// type 5       MembershipEnvelope conversationId:string | userId:string | joined:u8
///
/// message      = length:varint | conversationId:string | seq:varint | messageId:string | senderId:string
///                | clientMsgId:string | content:string | mediaId:nstring | timestamp:time | kind:u8
///                [ | hasMedia:u8 | (contentType:string | length:varint | fileName:string when hasMedia is 1) ]
///                (the media description was appended later: a message that ends after kind has none)
/// varint       = unsigned LEB128 (7 bits per byte, low bits first); a long is cast to ulong
/// string       = byteLength:varint | UTF-8 bytes
/// nstring      = 0 for null, else (byteLength + 1):varint | UTF-8 bytes
/// time         = UTC ticks:i64 little-endian (the offset is not kept; the instant is)
/// ntime        = 0:u8 for null, else 1:u8 | time
/// enums (u8)   = ReceiptStatus, PresenceStatus, MessageKind by numeric value
/// </code>
/// Compatibility: readers ignore bytes after the fields they know, at the end of the envelope and at the end of
/// the length-prefixed message, so a later version may append fields. A new envelope type or an incompatible layout
/// needs a new version byte; readers reject versions and types they do not know. Every reader throws
/// <see cref="InvalidDataException"/> on short or malformed input.
/// </remarks>
internal static class EnvelopeCodec
{
    public const byte Version = 1;

    /// <summary>The version byte of a batch of envelopes.</summary>
    public const byte BatchVersion = 2;

    private const byte MessageType = 1;
    private const byte StatusType = 2;
    private const byte TypingType = 3;
    private const byte PresenceType = 4;
    private const byte MembershipType = 5;

    private const byte NoTopic = 0;
    private const byte ConversationTopic = 1;
    private const byte PresenceTopic = 2;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // Buffers kept per thread and reused (Write is synchronous), so an envelope costs one array: the result. A buffer
    // that grew past this size for a large message is not kept.
    private const int MaxKeptBuffer = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_envelope;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_message;

    /// <summary>Encodes an envelope with its audience.</summary>
    /// <param name="envelope">The envelope.</param>
    /// <returns>The bytes (a new array the caller owns).</returns>
    public static byte[] Encode(NodeEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var buffer = Rent(ref t_envelope);
        try
        {
            WriteEnvelope(buffer, envelope);
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            Return(ref t_envelope, buffer);
        }
    }

    private static ArrayBufferWriter<byte> Rent(ref ArrayBufferWriter<byte>? kept)
    {
        var buffer = kept ?? new ArrayBufferWriter<byte>(512);
        kept = null;
        return buffer;
    }

    private static void Return(ref ArrayBufferWriter<byte>? kept, ArrayBufferWriter<byte> buffer)
    {
        if (buffer.Capacity <= MaxKeptBuffer)
        {
            buffer.ResetWrittenCount();
            kept = buffer;
        }
    }

    private static void WriteEnvelope(ArrayBufferWriter<byte> buffer, NodeEnvelope routed)
    {
        var writer = new Writer(buffer);
        writer.Byte(Version);
        var users = routed.Audience.Users;
        writer.VarInt((ulong)users.Count);
        for (var i = 0; i < users.Count; i++)
        {
            writer.String(users[i]);
        }

        if (routed.Audience.Followers is { } topic)
        {
            writer.Byte(topic.Kind == FollowKind.Conversation ? ConversationTopic : PresenceTopic);
            writer.String(topic.Id);
        }
        else
        {
            writer.Byte(NoTopic);
        }

        var envelope = routed.Envelope;
        switch (envelope)
        {
            case MessageEnvelope m:
                writer.Byte(MessageType);
                writer.NullableString(m.OriginConnectionId);
                WriteMessage(buffer, m.Message);
                break;
            case StatusEnvelope s:
                writer.Byte(StatusType);
                writer.String(s.ConversationId);
                writer.String(s.MessageId);
                writer.VarInt((ulong)s.Seq);
                writer.Byte((byte)s.Status);
                writer.NullableString(s.ClientMsgId);
                writer.Time(s.Timestamp);
                break;
            case TypingEnvelope t:
                writer.Byte(TypingType);
                writer.String(t.ConversationId);
                writer.String(t.UserId);
                writer.Bool(t.IsTyping);
                break;
            case PresenceEnvelope p:
                writer.Byte(PresenceType);
                writer.String(p.UserId);
                writer.Byte((byte)p.Status);
                writer.NullableTime(p.LastSeen);
                break;
            case MembershipEnvelope b:
                writer.Byte(MembershipType);
                writer.String(b.ConversationId);
                writer.String(b.UserId);
                writer.Bool(b.Joined);
                break;
            default:
                throw new ArgumentException($"Unknown envelope type {envelope.GetType().Name}.", nameof(routed));
        }
    }

    /// <summary>Encodes envelopes, each already encoded by <see cref="Encode"/>, as one batch payload.</summary>
    /// <param name="envelopes">The encoded envelopes, in the order the inbox must route them.</param>
    /// <returns>The bytes (a new array the caller owns).</returns>
    public static byte[] EncodeBatch(IReadOnlyList<byte[]> envelopes)
    {
        ArgumentNullException.ThrowIfNull(envelopes);
        var buffer = Rent(ref t_envelope);
        try
        {
            var writer = new Writer(buffer);
            writer.Byte(BatchVersion);
            writer.VarInt((ulong)envelopes.Count);
            for (var i = 0; i < envelopes.Count; i++)
            {
                writer.VarInt((ulong)envelopes[i].Length);
                writer.Bytes(envelopes[i]);
            }

            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            Return(ref t_envelope, buffer);
        }
    }

    /// <summary>Decodes a payload: one envelope, or every envelope of a batch, in order.</summary>
    /// <param name="input">The bytes.</param>
    /// <param name="into">Receives the envelopes (nothing when the payload is malformed).</param>
    /// <exception cref="InvalidDataException">The input (or any envelope of a batch) is short, malformed, or of an unknown version or type.</exception>
    public static void DecodePayload(ReadOnlySpan<byte> input, List<NodeEnvelope> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (input.IsEmpty || input[0] != BatchVersion)
        {
            into.Add(Decode(input));
            return;
        }

        var reader = new Reader(input);
        reader.Byte();
        var count = reader.VarInt();

        // Every envelope takes at least two bytes, so a count beyond the input is malformed (and never allocated).
        if (count > (ulong)reader.Remaining)
        {
            throw new InvalidDataException($"Invalid batch size {count}.");
        }

        var decoded = new NodeEnvelope[count];
        for (var i = 0; i < decoded.Length; i++)
        {
            decoded[i] = Decode(reader.Span(reader.Length()));
        }

        into.AddRange(decoded);
    }

    /// <summary>Decodes an envelope with its audience.</summary>
    /// <param name="input">The bytes.</param>
    /// <returns>The envelope.</returns>
    /// <exception cref="InvalidDataException">The input is short, malformed, or of an unknown version or type.</exception>
    public static NodeEnvelope Decode(ReadOnlySpan<byte> input)
    {
        var reader = new Reader(input);
        var version = reader.Byte();
        if (version != Version)
        {
            throw new InvalidDataException($"Unsupported envelope version {version}.");
        }

        var audience = ReadAudience(ref reader);
        return new NodeEnvelope(audience, ReadBody(ref reader));
    }

    private static Audience ReadAudience(ref Reader reader)
    {
        var count = reader.VarInt();

        // Every user id takes at least one byte, so a count beyond the input is malformed (and never allocated).
        if (count > (ulong)reader.Remaining)
        {
            throw new InvalidDataException($"Invalid user count {count}.");
        }

        var users = count == 0 ? [] : new string[count];
        for (var i = 0; i < users.Length; i++)
        {
            users[i] = reader.String();
        }

        FollowTopic? topic = reader.Byte() switch
        {
            NoTopic => null,
            ConversationTopic => FollowTopic.Conversation(reader.String()),
            PresenceTopic => FollowTopic.Presence(reader.String()),
            var other => throw new InvalidDataException($"Unknown follow kind {other}."),
        };
        return new Audience(users, topic);
    }

    private static Envelope ReadBody(ref Reader reader)
    {
        var type = reader.Byte();
        switch (type)
        {
            case MessageType:
                var origin = reader.NullableString();
                return new MessageEnvelope(ReadMessage(ref reader), origin);
            case StatusType:
                return new StatusEnvelope(
                    ConversationId: reader.String(),
                    MessageId: reader.String(),
                    Seq: (long)reader.VarInt(),
                    Status: reader.Enum<ReceiptStatus>(),
                    ClientMsgId: reader.NullableString(),
                    Timestamp: reader.Time());
            case TypingType:
                return new TypingEnvelope(reader.String(), reader.String(), reader.Bool());
            case PresenceType:
                return new PresenceEnvelope(reader.String(), reader.Enum<PresenceStatus>(), reader.NullableTime());
            case MembershipType:
                return new MembershipEnvelope(reader.String(), reader.String(), reader.Bool());
            default:
                throw new InvalidDataException($"Unknown envelope type {type}.");
        }
    }

    private static void WriteMessage(ArrayBufferWriter<byte> output, Message message)
    {
        // Written to its own buffer first so the length prefix can precede it.
        var body = Rent(ref t_message);
        try
        {
            WriteMessageBody(body, message);
            var outer = new Writer(output);
            outer.VarInt((ulong)body.WrittenCount);
            outer.Bytes(body.WrittenSpan);
        }
        finally
        {
            Return(ref t_message, body);
        }
    }

    private static void WriteMessageBody(ArrayBufferWriter<byte> body, Message message)
    {
        var writer = new Writer(body);
        writer.String(message.ConversationId);
        writer.VarInt((ulong)message.Seq);
        writer.String(message.MessageId);
        writer.String(message.SenderId);
        writer.String(message.ClientMsgId);
        writer.String(message.Content);
        writer.NullableString(message.MediaId);
        writer.Time(message.Timestamp);
        writer.Byte((byte)message.Kind);
        writer.Bool(message.Media is not null);
        if (message.Media is { } media)
        {
            writer.String(media.ContentType);
            writer.VarInt((ulong)media.Length);
            writer.String(media.FileName);
        }
    }

    private static Message ReadMessage(ref Reader outer)
    {
        var reader = new Reader(outer.Span(outer.Length()));
        var message = new Message
        {
            ConversationId = reader.String(),
            Seq = (long)reader.VarInt(),
            MessageId = reader.String(),
            SenderId = reader.String(),
            ClientMsgId = reader.String(),
            Content = reader.String(),
            MediaId = reader.NullableString(),
            Timestamp = reader.Time(),
            Kind = reader.Enum<MessageKind>(),
        };
        return !reader.AtEnd && reader.Bool()
            ? message with { Media = new MediaAttachment(reader.String(), (long)reader.VarInt(), reader.String()) }
            : message;
    }

    private readonly ref struct Writer(IBufferWriter<byte> output)
    {
        private readonly IBufferWriter<byte> _output = output;

        public void Byte(byte value)
        {
            _output.GetSpan(1)[0] = value;
            _output.Advance(1);
        }

        public void Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

        public void VarInt(ulong value)
        {
            var span = _output.GetSpan(10);
            var i = 0;
            while (value >= 0x80)
            {
                span[i++] = (byte)(value | 0x80);
                value >>= 7;
            }

            span[i++] = (byte)value;
            _output.Advance(i);
        }

        public void Bytes(ReadOnlySpan<byte> value) => _output.Write(value);

        public void String(string value) => String(value, nullable: false);

        public void NullableString(string? value)
        {
            if (value is null)
            {
                VarInt(0);
                return;
            }

            String(value, nullable: true);
        }

        public void Time(DateTimeOffset value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(_output.GetSpan(8), value.UtcTicks);
            _output.Advance(8);
        }

        public void NullableTime(DateTimeOffset? value)
        {
            Bool(value.HasValue);
            if (value is { } time)
            {
                Time(time);
            }
        }

        private void String(string value, bool nullable)
        {
            ArgumentNullException.ThrowIfNull(value);
            var length = Encoding.UTF8.GetByteCount(value);
            VarInt((ulong)length + (nullable ? 1UL : 0UL));
            var written = Encoding.UTF8.GetBytes(value, _output.GetSpan(length));
            _output.Advance(written);
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> input)
    {
        private readonly ReadOnlySpan<byte> _input = input;
        private int _position;

        /// <summary>Whether every byte was read (optional trailing fields are absent).</summary>
        public readonly bool AtEnd => _position >= _input.Length;

        /// <summary>How many bytes are left.</summary>
        public readonly int Remaining => _input.Length - _position;

        public byte Byte()
        {
            if (_position >= _input.Length)
            {
                throw Short();
            }

            return _input[_position++];
        }

        public bool Bool() => Byte() switch
        {
            0 => false,
            1 => true,
            var other => throw new InvalidDataException($"Invalid boolean {other}."),
        };

        public T Enum<T>()
            where T : struct, Enum
        {
            var raw = Byte();
            var value = (T)(object)(int)raw;
            return System.Enum.IsDefined(value) ? value : throw new InvalidDataException($"Invalid {typeof(T).Name} {raw}.");
        }

        public ulong VarInt()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = Byte();
                result |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return result;
                }
            }

            throw new InvalidDataException("Malformed varint.");
        }

        public int Length()
        {
            var length = VarInt();
            return length <= (ulong)(_input.Length - _position) ? (int)length : throw Short();
        }

        public ReadOnlySpan<byte> Span(int length)
        {
            var span = _input.Slice(_position, length);
            _position += length;
            return span;
        }

        public string String() => Decode(Span(Length()));

        public string? NullableString()
        {
            var prefix = VarInt();
            if (prefix == 0)
            {
                return null;
            }

            var length = prefix - 1;
            return length <= (ulong)(_input.Length - _position) ? Decode(Span((int)length)) : throw Short();
        }

        public DateTimeOffset Time()
        {
            if (_input.Length - _position < 8)
            {
                throw Short();
            }

            var ticks = BinaryPrimitives.ReadInt64LittleEndian(_input.Slice(_position, 8));
            _position += 8;
            if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
            {
                throw new InvalidDataException($"Invalid timestamp {ticks}.");
            }

            return new DateTimeOffset(ticks, TimeSpan.Zero);
        }

        public DateTimeOffset? NullableTime() => Bool() ? Time() : null;

        private static string Decode(ReadOnlySpan<byte> bytes)
        {
            try
            {
                return StrictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException exception)
            {
                throw new InvalidDataException("Invalid UTF-8 string.", exception);
            }
        }

        private static InvalidDataException Short() => new("The envelope is shorter than its layout.");
    }
}
