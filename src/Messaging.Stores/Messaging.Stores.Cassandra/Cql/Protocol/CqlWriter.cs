using System.Buffers.Binary;
using System.Text;

namespace Messaging.Stores.Cassandra.Cql.Protocol;

/// <summary>
/// Writes the notations of the CQL native protocol v4 (section 3 of the spec), big-endian, into a growing buffer:
/// <c>[byte]</c>, <c>[short]</c> (unsigned 16 bits), <c>[int]</c>, <c>[long]</c>, <c>[string]</c> (<c>[short]</c> length +
/// UTF-8), <c>[long string]</c> (<c>[int]</c> length), <c>[bytes]</c> (<c>[int]</c> length, negative = null),
/// <c>[short bytes]</c>, <c>[string list]</c>, <c>[string map]</c>, <c>[string multimap]</c>, <c>[uuid]</c>, <c>[option]</c>.
/// </summary>
internal sealed class CqlWriter
{
    private byte[] _buffer;

    public CqlWriter(int capacity = 256)
    {
        _buffer = new byte[Math.Max(capacity, 16)];
    }

    /// <summary>Bytes written so far.</summary>
    public int Length { get; private set; }

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, Length);

    public byte[] ToArray() => WrittenSpan.ToArray();

    public void WriteByte(byte value) => Reserve(1)[0] = value;

    public void WriteShort(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Reserve(2), value);

    public void WriteInt(int value) => BinaryPrimitives.WriteInt32BigEndian(Reserve(4), value);

    public void WriteLong(long value) => BinaryPrimitives.WriteInt64BigEndian(Reserve(8), value);

    public void WriteRaw(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    public void WriteString(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        if (length > ushort.MaxValue)
        {
            throw new ArgumentException($"A CQL [string] holds at most {ushort.MaxValue} bytes of UTF-8 ({length} given).", nameof(value));
        }

        WriteShort((ushort)length);
        Encoding.UTF8.GetBytes(value, Reserve(length));
    }

    public void WriteLongString(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        WriteInt(length);
        Encoding.UTF8.GetBytes(value, Reserve(length));
    }

    /// <summary>Writes <c>[bytes]</c>; <see langword="null"/> is written as length -1.</summary>
    public void WriteBytes(ReadOnlySpan<byte> value, bool isNull = false)
    {
        if (isNull)
        {
            WriteInt(-1);
            return;
        }

        WriteInt(value.Length);
        WriteRaw(value);
    }

    /// <summary>Writes <c>[bytes]</c>; <see langword="null"/> is written as length -1.</summary>
    public void WriteBytes(byte[]? value) => WriteBytes(value, value is null);

    public void WriteShortBytes(ReadOnlySpan<byte> value)
    {
        if (value.Length > ushort.MaxValue)
        {
            throw new ArgumentException($"A CQL [short bytes] holds at most {ushort.MaxValue} bytes.", nameof(value));
        }

        WriteShort((ushort)value.Length);
        WriteRaw(value);
    }

    public void WriteStringList(IReadOnlyList<string> values)
    {
        WriteShort(checked((ushort)values.Count));
        foreach (var value in values)
        {
            WriteString(value);
        }
    }

    public void WriteStringMap(IReadOnlyList<KeyValuePair<string, string>> values)
    {
        WriteShort(checked((ushort)values.Count));
        foreach (var (key, value) in values)
        {
            WriteString(key);
            WriteString(value);
        }
    }

    public void WriteStringMultimap(IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> values)
    {
        WriteShort(checked((ushort)values.Count));
        foreach (var (key, list) in values)
        {
            WriteString(key);
            WriteStringList(list);
        }
    }

    public void WriteUuid(Guid value)
    {
        // [uuid] is the RFC 4122 byte order, which is not Guid's little-endian layout.
        value.TryWriteBytes(Reserve(16), bigEndian: true, out _);
    }

    public void WriteConsistency(CassandraConsistency value) => WriteShort((ushort)value);

    /// <summary>Writes a type as an <c>[option]</c>: its id, then the element, key/value, field or class name it carries.</summary>
    public void WriteType(CqlType type)
    {
        WriteShort((ushort)type.Code);
        switch (type.Code)
        {
            case CqlTypeCode.Custom:
                WriteString(type.Name ?? string.Empty);
                break;
            case CqlTypeCode.List:
            case CqlTypeCode.Set:
                WriteType(type.Element!);
                break;
            case CqlTypeCode.Map:
                WriteType(type.Element!);
                WriteType(type.Value!);
                break;
            case CqlTypeCode.Udt:
                WriteString(type.Keyspace ?? string.Empty);
                WriteString(type.Name ?? string.Empty);
                WriteShort(checked((ushort)type.Fields.Count));
                foreach (var field in type.Fields)
                {
                    WriteString(field.Name);
                    WriteType(field.Type);
                }

                break;
            case CqlTypeCode.Tuple:
                WriteShort(checked((ushort)type.Fields.Count));
                foreach (var field in type.Fields)
                {
                    WriteType(field.Type);
                }

                break;
        }
    }

    /// <summary>Overwrites an <c>[int]</c> written earlier (a frame's body length once the body is known).</summary>
    public void PatchInt(int position, int value) => BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(position, 4), value);

    private Span<byte> Reserve(int count)
    {
        if (Length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + count));
        }

        var span = _buffer.AsSpan(Length, count);
        Length += count;
        return span;
    }
}
