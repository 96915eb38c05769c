namespace Messaging.Stores.Cassandra.Cql.Protocol;

/// <summary>The type ids of an <c>[option]</c> in column metadata (section 4.2.5.2 of the v4 spec).</summary>
internal enum CqlTypeCode : ushort
{
    Custom = 0x0000,
    Ascii = 0x0001,
    Bigint = 0x0002,
    Blob = 0x0003,
    Boolean = 0x0004,
    Counter = 0x0005,
    Decimal = 0x0006,
    Double = 0x0007,
    Float = 0x0008,
    Int = 0x0009,
    Timestamp = 0x000B,
    Uuid = 0x000C,
    Varchar = 0x000D,
    Varint = 0x000E,
    Timeuuid = 0x000F,
    Inet = 0x0010,
    Date = 0x0011,
    Time = 0x0012,
    Smallint = 0x0013,
    Tinyint = 0x0014,
    Duration = 0x0015,
    List = 0x0020,
    Map = 0x0021,
    Set = 0x0022,
    Udt = 0x0030,
    Tuple = 0x0031,
}

/// <summary>A field of a UDT (named) or a tuple (unnamed).</summary>
internal sealed record CqlField(string Name, CqlType Type);

/// <summary>
/// A CQL type as column metadata carries it: a code, the element of a list or set, the key (<see cref="Element"/>) and
/// value of a map, the class name of a custom type, the fields of a UDT or tuple. Equality is structural.
/// </summary>
internal sealed class CqlType : IEquatable<CqlType>
{
    public static readonly CqlType Ascii = new(CqlTypeCode.Ascii);
    public static readonly CqlType Bigint = new(CqlTypeCode.Bigint);
    public static readonly CqlType Blob = new(CqlTypeCode.Blob);
    public static readonly CqlType Boolean = new(CqlTypeCode.Boolean);
    public static readonly CqlType Counter = new(CqlTypeCode.Counter);
    public static readonly CqlType Int = new(CqlTypeCode.Int);
    public static readonly CqlType Timestamp = new(CqlTypeCode.Timestamp);
    public static readonly CqlType Uuid = new(CqlTypeCode.Uuid);
    public static readonly CqlType Varchar = new(CqlTypeCode.Varchar);
    public static readonly CqlType Timeuuid = new(CqlTypeCode.Timeuuid);

    private CqlType(CqlTypeCode code, CqlType? element = null, CqlType? value = null, string? keyspace = null, string? name = null, IReadOnlyList<CqlField>? fields = null)
    {
        Code = code;
        Element = element;
        Value = value;
        Keyspace = keyspace;
        Name = name;
        Fields = fields ?? [];
    }

    public CqlTypeCode Code { get; }

    /// <summary>The element of a list or set, the key of a map.</summary>
    public CqlType? Element { get; }

    /// <summary>The value of a map.</summary>
    public CqlType? Value { get; }

    /// <summary>The keyspace of a UDT.</summary>
    public string? Keyspace { get; }

    /// <summary>The class name of a custom type, the name of a UDT.</summary>
    public string? Name { get; }

    public IReadOnlyList<CqlField> Fields { get; }

    public static CqlType Of(CqlTypeCode code) => code switch
    {
        CqlTypeCode.List or CqlTypeCode.Set or CqlTypeCode.Map or CqlTypeCode.Udt or CqlTypeCode.Tuple or CqlTypeCode.Custom
            => throw new ArgumentException($"The type {code} carries more than its code.", nameof(code)),
        _ => new CqlType(code),
    };

    public static CqlType List(CqlType element) => new(CqlTypeCode.List, element);

    public static CqlType Set(CqlType element) => new(CqlTypeCode.Set, element);

    public static CqlType Map(CqlType key, CqlType value) => new(CqlTypeCode.Map, key, value);

    public static CqlType Custom(string className) => new(CqlTypeCode.Custom, name: className);

    public static CqlType Udt(string keyspace, string name, IReadOnlyList<CqlField> fields) => new(CqlTypeCode.Udt, keyspace: keyspace, name: name, fields: fields);

    public static CqlType Tuple(IReadOnlyList<CqlField> fields) => new(CqlTypeCode.Tuple, fields: fields);

    public bool Equals(CqlType? other) =>
        other is not null
        && Code == other.Code
        && Equals(Element, other.Element)
        && Equals(Value, other.Value)
        && Keyspace == other.Keyspace
        && Name == other.Name
        && Fields.SequenceEqual(other.Fields);

    public override bool Equals(object? obj) => Equals(obj as CqlType);

    public override int GetHashCode() => HashCode.Combine(Code, Element, Value, Name);

    public override string ToString() => Code switch
    {
        CqlTypeCode.List => $"list<{Element}>",
        CqlTypeCode.Set => $"set<{Element}>",
        CqlTypeCode.Map => $"map<{Element}, {Value}>",
        CqlTypeCode.Custom => $"'{Name}'",
        CqlTypeCode.Udt => $"{Keyspace}.{Name}",
        CqlTypeCode.Tuple => $"tuple<{string.Join(", ", Fields.Select(f => f.Type))}>",
        _ => Code.ToString().ToLowerInvariant(),
    };
}
