using System.Buffers.Binary;
using System.Collections;
using System.Text;

namespace Messaging.Stores.Cassandra.Cql.Protocol;

/// <summary>
/// Serializes the values of the types the stores use, as protocol v4 lays them out inside a <c>[bytes]</c>:
/// <list type="table">
/// <item><term>ascii, text/varchar</term><description>the characters (ASCII, UTF-8): <see cref="string"/></description></item>
/// <item><term>int</term><description>4 bytes, big-endian two's complement: <see cref="int"/></description></item>
/// <item><term>bigint, counter</term><description>8 bytes: <see cref="long"/></description></item>
/// <item><term>boolean</term><description>1 byte, 0 is false: <see cref="bool"/></description></item>
/// <item><term>timestamp</term><description>8 bytes, milliseconds since the Unix epoch: <see cref="DateTimeOffset"/> (UTC)</description></item>
/// <item><term>uuid, timeuuid</term><description>16 bytes in RFC 4122 order: <see cref="Guid"/></description></item>
/// <item><term>blob</term><description>the bytes: <see cref="byte"/>[]</description></item>
/// <item><term>list, set</term><description><c>[int]</c> n, then n elements as <c>[bytes]</c>: read as <see cref="IReadOnlyList{T}"/> of object</description></item>
/// <item><term>map</term><description><c>[int]</c> n, then n key and value <c>[bytes]</c> pairs: read as a list of key/value pairs in wire order</description></item>
/// </list>
/// A null value is a <c>[bytes]</c> of length -1, written by the frame, not here. Other types are read as their raw bytes.
/// </summary>
internal static class CqlValueCodec
{
    /// <summary>Serializes <paramref name="value"/> as <paramref name="type"/>; <see langword="null"/> stays null.</summary>
    public static byte[]? Encode(CqlType type, object? value)
    {
        if (value is null)
        {
            return null;
        }

        var writer = new CqlWriter(32);
        Write(writer, type, value);
        return writer.ToArray();
    }

    /// <summary>Deserializes a non-null value of <paramref name="type"/>.</summary>
    public static object Decode(CqlType type, ReadOnlySpan<byte> bytes)
    {
        switch (type.Code)
        {
            case CqlTypeCode.Ascii:
            case CqlTypeCode.Varchar:
                return Encoding.UTF8.GetString(bytes);
            case CqlTypeCode.Int:
                return BinaryPrimitives.ReadInt32BigEndian(Exactly(bytes, 4, type));
            case CqlTypeCode.Bigint:
            case CqlTypeCode.Counter:
                return BinaryPrimitives.ReadInt64BigEndian(Exactly(bytes, 8, type));
            case CqlTypeCode.Boolean:
                return Exactly(bytes, 1, type)[0] != 0;
            case CqlTypeCode.Timestamp:
                return DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(Exactly(bytes, 8, type)));
            case CqlTypeCode.Uuid:
            case CqlTypeCode.Timeuuid:
                return new Guid(Exactly(bytes, 16, type), bigEndian: true);
            case CqlTypeCode.List:
            case CqlTypeCode.Set:
            {
                var reader = new CqlReader(bytes);
                var count = Count(ref reader);
                var list = new object?[count];
                for (var i = 0; i < count; i++)
                {
                    var element = reader.ReadBytesSpan(out var isNull);
                    list[i] = isNull ? null : Decode(type.Element!, element);
                }

                return list;
            }

            case CqlTypeCode.Map:
            {
                var reader = new CqlReader(bytes);
                var count = Count(ref reader);
                var map = new KeyValuePair<object?, object?>[count];
                for (var i = 0; i < count; i++)
                {
                    var key = reader.ReadBytesSpan(out var keyIsNull);
                    var decodedKey = keyIsNull ? null : Decode(type.Element!, key);
                    var value = reader.ReadBytesSpan(out var valueIsNull);
                    map[i] = new(decodedKey, valueIsNull ? null : Decode(type.Value!, value));
                }

                return map;
            }

            default:
                return bytes.ToArray();
        }
    }

    /// <summary>The type a value is sent as when no metadata names one (an unprepared QUERY or BATCH entry).</summary>
    public static CqlType InferType(object value) => value switch
    {
        string => CqlType.Varchar,
        int => CqlType.Int,
        long => CqlType.Bigint,
        bool => CqlType.Boolean,
        DateTimeOffset => CqlType.Timestamp,
        Guid => CqlType.Uuid,
        byte[] or ReadOnlyMemory<byte> or Memory<byte> => CqlType.Blob,
        IDictionary dictionary => CqlType.Map(InferElement(dictionary.Keys), InferElement(dictionary.Values)),
        IEnumerable<KeyValuePair<object?, object?>> pairs => CqlType.Map(InferElement(pairs.Select(p => p.Key)), InferElement(pairs.Select(p => p.Value))),
        IEnumerable enumerable => value.GetType().IsAssignableTo(typeof(ISet<>).MakeGenericType(ElementTypeOf(value)))
            ? CqlType.Set(InferElement(enumerable))
            : CqlType.List(InferElement(enumerable)),
        _ => throw new ArgumentException($"A value of type {value.GetType()} has no CQL type this client writes."),
    };

    private static void Write(CqlWriter writer, CqlType type, object value)
    {
        switch (type.Code)
        {
            case CqlTypeCode.Ascii:
                var ascii = As<string>(value, type);
                if (!Ascii.IsValid(ascii))
                {
                    throw new ArgumentException("An ascii value holds only characters below 128.", nameof(value));
                }

                writer.WriteRaw(Encoding.ASCII.GetBytes(ascii));
                break;
            case CqlTypeCode.Varchar:
                writer.WriteRaw(Encoding.UTF8.GetBytes(As<string>(value, type)));
                break;
            case CqlTypeCode.Int:
                writer.WriteInt(As<int>(value, type));
                break;
            case CqlTypeCode.Bigint:
            case CqlTypeCode.Counter:
                writer.WriteLong(value is int small ? small : As<long>(value, type));
                break;
            case CqlTypeCode.Boolean:
                writer.WriteByte(As<bool>(value, type) ? (byte)1 : (byte)0);
                break;
            case CqlTypeCode.Timestamp:
                writer.WriteLong(As<DateTimeOffset>(value, type).ToUnixTimeMilliseconds());
                break;
            case CqlTypeCode.Uuid:
            case CqlTypeCode.Timeuuid:
                writer.WriteUuid(As<Guid>(value, type));
                break;
            case CqlTypeCode.Blob:
                writer.WriteRaw(value switch
                {
                    byte[] array => array,
                    ReadOnlyMemory<byte> memory => memory.Span,
                    Memory<byte> memory => memory.Span,
                    _ => throw Mismatch(value, type),
                });
                break;
            case CqlTypeCode.List:
            case CqlTypeCode.Set:
            {
                if (value is string or not IEnumerable)
                {
                    throw Mismatch(value, type);
                }

                var elements = ((IEnumerable)value).Cast<object?>().ToList();
                writer.WriteInt(elements.Count);
                foreach (var element in elements)
                {
                    writer.WriteBytes(Encode(type.Element!, element ?? throw new ArgumentException($"A {type} holds no null element.", nameof(value))));
                }

                break;
            }

            case CqlTypeCode.Map:
            {
                var pairs = value switch
                {
                    IDictionary dictionary => dictionary.Cast<DictionaryEntry>().Select(e => new KeyValuePair<object?, object?>(e.Key, e.Value)).ToList(),
                    IEnumerable<KeyValuePair<object?, object?>> list => list.ToList(),
                    _ => throw Mismatch(value, type),
                };
                writer.WriteInt(pairs.Count);
                foreach (var (key, item) in pairs)
                {
                    writer.WriteBytes(Encode(type.Element!, key ?? throw new ArgumentException($"A {type} holds no null key.", nameof(value))));
                    writer.WriteBytes(Encode(type.Value!, item));
                }

                break;
            }

            default:
                // Types the stores do not use are accepted as their serialized form.
                writer.WriteRaw(value as byte[] ?? throw new ArgumentException($"Values of type {type} are passed as their serialized bytes."));
                break;
        }
    }

    private static T As<T>(object value, CqlType type) => value is T typed ? typed : throw Mismatch(value, type);

    private static ArgumentException Mismatch(object value, CqlType type) =>
        new($"A value of type {value.GetType()} cannot be written as CQL {type}.", nameof(value));

    private static ReadOnlySpan<byte> Exactly(ReadOnlySpan<byte> bytes, int length, CqlType type) =>
        bytes.Length == length ? bytes : throw new InvalidDataException($"A CQL {type} value has {bytes.Length} bytes, not {length}.");

    private static int Count(ref CqlReader reader)
    {
        var count = reader.ReadInt();
        if (count < 0 || count > reader.Remaining / 4)
        {
            throw new InvalidDataException($"A CQL collection claims {count} elements in {reader.Remaining} bytes.");
        }

        return count;
    }

    private static CqlType InferElement(IEnumerable values)
    {
        foreach (var value in values)
        {
            if (value is not null)
            {
                return InferType(value);
            }
        }

        // An empty collection serializes the same whatever its element type.
        return CqlType.Blob;
    }

    private static Type ElementTypeOf(object value) =>
        value.GetType().GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0]
        ?? typeof(object);
}
