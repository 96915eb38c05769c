using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Messaging;

/// <summary>
/// One conversation's messages in <see cref="InMemoryMessageStore"/>, by seq, kept as bytes: each message is written
/// into chunks of a few growing byte arrays (up to <see cref="MaxChunkBytes"/>, above the large object threshold) and
/// read back into a new <see cref="Message"/> when asked for. A store that keeps every message as objects makes every
/// young-generation collection copy all messages stored since the last one and scan the growing maps for references
/// to them: with server GC that was a pause of 50 to 200 ms every few seconds under load. Bytes in large arrays are
/// neither copied nor scanned. Not thread-safe: the store uses it under the conversation's lock.
/// </summary>
/// <remarks>
/// Strings are kept as UTF-16 code units (any string round-trips exactly, whatever it holds), each preceded by its
/// length plus one (0 for <see langword="null"/>). The conversation id and the seq are not written: the log knows them.
/// Not <see cref="EnvelopeCodec"/>'s message block: that is the versioned wire format, in UTF-8, which turns a lone
/// surrogate into U+FFFD, and a store hands back exactly what it was given.
/// </remarks>
internal sealed class MessageLog(string conversationId)
{
    /// <summary>The size a chunk grows to; a larger message gets a chunk of its own.</summary>
    internal const int MaxChunkBytes = 128 * 1024;

    private const int FirstChunkBytes = 512;

    // Stored seqs in ascending order and their slots at the same index (appends are nearly always at the end).
    private readonly List<long> _seqs = [];
    private readonly List<Slot> _slots = [];
    private readonly List<byte[]?> _chunks = [];
    private readonly List<int> _liveInChunk = [];
    private int _used;

    /// <summary>Stored messages.</summary>
    public int Count => _seqs.Count;

    /// <summary>The last stored seq, or the one before the history start when empty.</summary>
    public long LastSeq => _seqs.Count == 0 ? HistoryStart - 1 : _seqs[^1];

    /// <summary>Every seq below it was removed by retention.</summary>
    public long HistoryStart { get; private set; } = 1;

    /// <summary>The message at the seq, or <see langword="null"/>.</summary>
    public Message? Get(long seq) => _seqs.BinarySearch(seq) is var index and >= 0 ? Read(seq, _slots[index]) : null;

    /// <summary>The message at an index in seq order (0 is the oldest stored).</summary>
    public Message At(int index) => Read(_seqs[index], _slots[index]);

    /// <summary>Stores a message at its seq (which the caller checked is free).</summary>
    public void Add(Message message)
    {
        var length = MeasuredLength(message);
        var (chunk, offset) = Reserve(length);
        Write(message, _chunks[chunk].AsSpan(offset, length));
        _liveInChunk[chunk]++;
        var slot = new Slot(chunk, offset, length);
        if (_seqs.Count == 0 || message.Seq > _seqs[^1])
        {
            _seqs.Add(message.Seq);
            _slots.Add(slot);
        }
        else
        {
            // A seq below the last (the composite path fills seqs in any order); the caller checked it is free.
            var index = ~_seqs.BinarySearch(message.Seq);
            _seqs.Insert(index, message.Seq);
            _slots.Insert(index, slot);
        }
    }

    /// <summary>Removes the oldest message (retention); its seq then lies below the history start.</summary>
    public void RemoveOldest()
    {
        var seq = _seqs[0];
        var chunk = _slots[0].Chunk;
        _seqs.RemoveAt(0);
        _slots.RemoveAt(0);
        HistoryStart = seq + 1;
        if (--_liveInChunk[chunk] == 0 && chunk != _chunks.Count - 1)
        {
            // Nothing in it is read any more, and nothing is written to a chunk before the last.
            _chunks[chunk] = null;
        }
    }

    /// <summary>The index in seq order of the first seq greater than <paramref name="seq"/> (Count when none).</summary>
    public int FirstIndexAbove(long seq)
    {
        var index = _seqs.BinarySearch(seq);
        return index >= 0 ? index + 1 : ~index;
    }

    // Room for length bytes: in the last chunk when it fits, else in a new one twice the size of the last (up to the
    // maximum), or of its own size for a message larger than that.
    private (int Chunk, int Offset) Reserve(int length)
    {
        if (_chunks.Count > 0 && _chunks[^1]!.Length - _used >= length)
        {
            var offset = _used;
            _used += length;
            return (_chunks.Count - 1, offset);
        }

        var size = _chunks.Count == 0 ? FirstChunkBytes : Math.Min(_chunks[^1]!.Length * 2, MaxChunkBytes);
        if (_chunks.Count > 0 && _liveInChunk[^1] == 0)
        {
            // The last chunk emptied by retention while it was still being written: it can go now.
            _chunks[^1] = null;
        }

        _chunks.Add(GC.AllocateUninitializedArray<byte>(Math.Max(size, length)));
        _liveInChunk.Add(0);
        _used = length;
        return (_chunks.Count - 1, 0);
    }

    private Message Read(long seq, Slot slot)
    {
        var reader = new Reader(_chunks[slot.Chunk].AsSpan(slot.Offset, slot.Length));
        var message = new Message
        {
            ConversationId = conversationId,
            Seq = seq,
            MessageId = reader.String()!,
            SenderId = reader.String()!,
            ClientMsgId = reader.String()!,
            Content = reader.String()!,
            MediaId = reader.String(),
            Timestamp = new DateTimeOffset(reader.Int64(), TimeSpan.FromMinutes(reader.Int16())),
            Kind = (MessageKind)reader.Byte(),
        };
        return reader.Byte() == 0 ? message : message with { Media = new MediaAttachment(reader.String()!, reader.Int64(), reader.String()!) };
    }

    private static int MeasuredLength(Message message)
    {
        var length = Measure(message.MessageId) + Measure(message.SenderId) + Measure(message.ClientMsgId) + Measure(message.Content)
            + Measure(message.MediaId) + sizeof(long) + sizeof(short) + 1 + 1;
        return message.Media is { } media ? length + Measure(media.ContentType) + sizeof(long) + Measure(media.FileName) : length;
    }

    private static int Measure(string? value) => sizeof(int) + ((value?.Length ?? 0) * sizeof(char));

    private static void Write(Message message, Span<byte> target)
    {
        var writer = new Writer(target);
        writer.String(message.MessageId);
        writer.String(message.SenderId);
        writer.String(message.ClientMsgId);
        writer.String(message.Content);
        writer.String(message.MediaId);
        writer.Int64(message.Timestamp.Ticks);
        writer.Int16((short)message.Timestamp.Offset.TotalMinutes);
        writer.Byte((byte)message.Kind);
        writer.Byte(message.Media is null ? (byte)0 : (byte)1);
        if (message.Media is { } media)
        {
            writer.String(media.ContentType);
            writer.Int64(media.Length);
            writer.String(media.FileName);
        }
    }

    private readonly record struct Slot(int Chunk, int Offset, int Length);

    private ref struct Writer(Span<byte> target)
    {
        private Span<byte> _rest = target;

        public void String(string? value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(_rest, value is null ? 0 : value.Length + 1);
            var bytes = MemoryMarshal.AsBytes((value ?? string.Empty).AsSpan());
            bytes.CopyTo(_rest[sizeof(int)..]);
            _rest = _rest[(sizeof(int) + bytes.Length)..];
        }

        public void Int64(long value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(_rest, value);
            _rest = _rest[sizeof(long)..];
        }

        public void Int16(short value)
        {
            BinaryPrimitives.WriteInt16LittleEndian(_rest, value);
            _rest = _rest[sizeof(short)..];
        }

        public void Byte(byte value)
        {
            _rest[0] = value;
            _rest = _rest[1..];
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> source)
    {
        private ReadOnlySpan<byte> _rest = source;

        public string? String()
        {
            var marked = BinaryPrimitives.ReadInt32LittleEndian(_rest);
            _rest = _rest[sizeof(int)..];
            if (marked == 0)
            {
                return null;
            }

            var bytes = (marked - 1) * sizeof(char);
            var value = new string(MemoryMarshal.Cast<byte, char>(_rest[..bytes]));
            _rest = _rest[bytes..];
            return value;
        }

        public long Int64()
        {
            var value = BinaryPrimitives.ReadInt64LittleEndian(_rest);
            _rest = _rest[sizeof(long)..];
            return value;
        }

        public short Int16()
        {
            var value = BinaryPrimitives.ReadInt16LittleEndian(_rest);
            _rest = _rest[sizeof(short)..];
            return value;
        }

        public byte Byte()
        {
            var value = _rest[0];
            _rest = _rest[1..];
            return value;
        }
    }
}
