using System.Buffers.Binary;
using System.Text;

namespace Messaging.Stores.Cassandra.Cql.Protocol;

/// <summary>
/// Reads the notations <see cref="CqlWriter"/> writes from one frame body. Short input throws
/// <see cref="InvalidDataException"/>; readers of a message ignore bytes they do not know after its fields.
/// </summary>
internal ref struct CqlReader
{
    private readonly ReadOnlySpan<byte> _data;

    public CqlReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        Position = 0;
    }

    public int Position { get; private set; }

    public readonly int Remaining => _data.Length - Position;

    public byte ReadByte() => Take(1)[0];

    public ushort ReadShort() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

    public int ReadInt() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    public long ReadLong() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public string ReadString() => Encoding.UTF8.GetString(Take(ReadShort()));

    public string ReadLongString()
    {
        var length = ReadInt();
        if (length < 0)
        {
            throw new InvalidDataException($"A CQL [long string] has a negative length ({length}).");
        }

        return Encoding.UTF8.GetString(Take(length));
    }

    /// <summary>Reads <c>[bytes]</c> as a span; <paramref name="isNull"/> is set for a negative length.</summary>
    public ReadOnlySpan<byte> ReadBytesSpan(out bool isNull)
    {
        var length = ReadInt();
        isNull = length < 0;
        return isNull ? default : Take(length);
    }

    /// <summary>Reads <c>[bytes]</c>; a negative length is <see langword="null"/>.</summary>
    public byte[]? ReadBytes()
    {
        var span = ReadBytesSpan(out var isNull);
        return isNull ? null : span.ToArray();
    }

    /// <summary>Reads a request <c>[value]</c>: -1 is null and -2 is "not set", both returned as <see langword="null"/> with the length kept.</summary>
    public byte[]? ReadValue(out int length)
    {
        length = ReadInt();
        if (length < -2)
        {
            throw new InvalidDataException($"A CQL [value] has an invalid length ({length}).");
        }

        return length < 0 ? null : Take(length).ToArray();
    }

    public byte[] ReadShortBytes() => Take(ReadShort()).ToArray();

    public Guid ReadUuid() => new(Take(16), bigEndian: true);

    public CassandraConsistency ReadConsistency() => (CassandraConsistency)ReadShort();

    public IReadOnlyList<string> ReadStringList()
    {
        var count = ReadShort();
        var list = new string[count];
        for (var i = 0; i < count; i++)
        {
            list[i] = ReadString();
        }

        return list;
    }

    public IReadOnlyList<KeyValuePair<string, string>> ReadStringMap()
    {
        var count = ReadShort();
        var map = new KeyValuePair<string, string>[count];
        for (var i = 0; i < count; i++)
        {
            var key = ReadString();
            map[i] = new(key, ReadString());
        }

        return map;
    }

    public IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> ReadStringMultimap()
    {
        var count = ReadShort();
        var map = new KeyValuePair<string, IReadOnlyList<string>>[count];
        for (var i = 0; i < count; i++)
        {
            var key = ReadString();
            map[i] = new(key, ReadStringList());
        }

        return map;
    }

    /// <summary>Reads a <c>[bytes map]</c> (a custom payload).</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]?>> ReadBytesMap()
    {
        var count = ReadShort();
        var map = new KeyValuePair<string, byte[]?>[count];
        for (var i = 0; i < count; i++)
        {
            var key = ReadString();
            map[i] = new(key, ReadBytes());
        }

        return map;
    }

    /// <summary>Reads a type <c>[option]</c>, including the UDT and tuple types the client does not decode.</summary>
    public CqlType ReadType()
    {
        var code = (CqlTypeCode)ReadShort();
        switch (code)
        {
            case CqlTypeCode.Custom:
                return CqlType.Custom(ReadString());
            case CqlTypeCode.List:
                return CqlType.List(ReadType());
            case CqlTypeCode.Set:
                return CqlType.Set(ReadType());
            case CqlTypeCode.Map:
                var key = ReadType();
                return CqlType.Map(key, ReadType());
            case CqlTypeCode.Udt:
            {
                var keyspace = ReadString();
                var name = ReadString();
                var count = ReadShort();
                var fields = new CqlField[count];
                for (var i = 0; i < count; i++)
                {
                    var fieldName = ReadString();
                    fields[i] = new CqlField(fieldName, ReadType());
                }

                return CqlType.Udt(keyspace, name, fields);
            }

            case CqlTypeCode.Tuple:
            {
                var count = ReadShort();
                var fields = new CqlField[count];
                for (var i = 0; i < count; i++)
                {
                    fields[i] = new CqlField(string.Empty, ReadType());
                }

                return CqlType.Tuple(fields);
            }

            default:
                return CqlType.Of(code);
        }
    }

    public ReadOnlySpan<byte> ReadRemaining() => Take(Remaining);

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new InvalidDataException($"A CQL frame body ended early: {count} bytes needed at offset {Position}, {Remaining} left.");
        }

        var span = _data.Slice(Position, count);
        Position += count;
        return span;
    }
}
