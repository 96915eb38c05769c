using FsCheck;
using FsCheck.Fluent;
using Messaging.Stores.Cassandra;
using Messaging.Stores.Cassandra.Cql.Protocol;

namespace Messaging.Cassandra.Tests;

/// <summary>Generators of the CQL types the client supports, their values, and the frames it writes and reads.</summary>
internal static class CqlGen
{
    private static readonly CqlType[] Elements =
        [CqlType.Ascii, CqlType.Varchar, CqlType.Int, CqlType.Bigint, CqlType.Boolean, CqlType.Timestamp, CqlType.Uuid, CqlType.Timeuuid, CqlType.Blob];

    /// <summary>Every supported type: the scalars (counter too), and list, set and map of scalars.</summary>
    public static Gen<CqlType> Type { get; } = Gen.OneOf(
        Gen.Elements([.. Elements, CqlType.Counter]),
        Gen.Elements(Elements).Select(CqlType.List),
        Gen.Elements(Elements).Select(CqlType.Set),
        from key in Gen.Elements(Elements)
        from value in Gen.Elements(Elements)
        select CqlType.Map(key, value));

    public static Gen<string> Text { get; } = ArbMap.Default.GeneratorFor<string>().Where(s => s is not null && !HasLoneSurrogate(s));

    public static Gen<string> AsciiText { get; } = Gen.Choose(0, 127).Select(c => (char)c).ArrayOf().Select(cs => new string(cs));

    public static Gen<byte[]> Bytes { get; } = ArbMap.Default.GeneratorFor<byte[]>().Where(b => b is not null);

    public static Gen<long> Long { get; } = Gen.OneOf(
        ArbMap.Default.GeneratorFor<long>(),
        Gen.Elements(long.MinValue, long.MaxValue, 0L, -1L),
        from high in ArbMap.Default.GeneratorFor<int>() from low in ArbMap.Default.GeneratorFor<uint>() select ((long)high << 32) | low);

    public static Gen<Guid> Uuid { get; } = Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), 16).Select(b => new Guid(b));

    /// <summary>A value of <paramref name="type"/>; sets hold distinct elements and maps distinct keys, as in Cassandra.</summary>
    public static Gen<object> Value(CqlType type) => type.Code switch
    {
        CqlTypeCode.Ascii => AsciiText.Select(s => (object)s),
        CqlTypeCode.Varchar => Text.Select(s => (object)s),
        CqlTypeCode.Int => ArbMap.Default.GeneratorFor<int>().Select(i => (object)i),
        CqlTypeCode.Bigint or CqlTypeCode.Counter => Long.Select(l => (object)l),
        CqlTypeCode.Boolean => ArbMap.Default.GeneratorFor<bool>().Select(b => (object)b),
        CqlTypeCode.Timestamp => Long.Select(l => (object)DateTimeOffset.FromUnixTimeMilliseconds(
            Math.Clamp(l % 253_402_300_799_999, DateTimeOffset.MinValue.ToUnixTimeMilliseconds(), DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()))),
        CqlTypeCode.Uuid or CqlTypeCode.Timeuuid => Uuid.Select(g => (object)g),
        CqlTypeCode.Blob => Bytes.Select(b => (object)b),
        CqlTypeCode.List => Value(type.Element!).ListOf().Select(l => (object)l.Cast<object?>().ToList()),
        CqlTypeCode.Set => Value(type.Element!).ListOf().Select(l => (object)l.DistinctBy(e => Canonical.Text(type.Element!, e)).Cast<object?>().ToList()),
        CqlTypeCode.Map => (from keys in Value(type.Element!).ListOf()
                            from values in Value(type.Value!).ArrayOf(keys.Count)
                            select (object)keys.Zip(values).DistinctBy(p => Canonical.Text(type.Element!, p.First))
                                .Select(p => new KeyValuePair<object?, object?>(p.First, p.Second)).ToList()),
        _ => throw new ArgumentException($"No generator for {type}."),
    };

    /// <summary>A type with a value, or a null now and then.</summary>
    public static Gen<(CqlType Type, object? Value)> TypedValue { get; } =
        from type in Type
        from value in Gen.Frequency((9, Value(type).Select(v => (object?)v)), (1, Gen.Constant<object?>(null)))
        select (type, value);

    public static Gen<CassandraConsistency> Consistency { get; } = Gen.Elements(Enum.GetValues<CassandraConsistency>());

    public static Gen<CassandraConsistency?> SerialConsistency { get; } =
        Gen.Elements<CassandraConsistency?>(null, CassandraConsistency.Serial, CassandraConsistency.LocalSerial);

    public static Gen<byte[]?> Encoded { get; } = TypedValue.Select(t => CqlValueCodec.Encode(t.Type, t.Value));

    public static Gen<CqlQueryParameters> Parameters { get; } =
        from consistency in Consistency
        from values in Encoded.ListOf()
        from skip in ArbMap.Default.GeneratorFor<bool>()
        from pageSize in Gen.OneOf(Gen.Constant<int?>(null), Gen.Choose(1, 100_000).Select(i => (int?)i))
        from pagingState in Gen.OneOf(Gen.Constant<byte[]?>(null), Bytes.Select(b => (byte[]?)b))
        from serial in SerialConsistency
        from timestamp in Gen.OneOf(Gen.Constant<long?>(null), Long.Select(l => (long?)l))
        select new CqlQueryParameters(consistency, values, skip, pageSize, pagingState, serial, timestamp);

    public static Gen<string> Name { get; } = Gen.Elements("messages", "conversations", "seq", "body", "k", "v", "é_ü", "user_id");

    public static Gen<CqlColumn> Column(string keyspace, string table) =>
        from name in Name from type in Type select new CqlColumn(keyspace, table, name, type);

    public static Gen<IReadOnlyList<CqlColumn>> Columns { get; } =
        from global in ArbMap.Default.GeneratorFor<bool>()
        from keyspace in Name
        from table in Name
        from count in Gen.Choose(1, 5)
        from columns in (global ? Column(keyspace, table) : from k in Name from t in Name from c in Column(k, t) select c).ArrayOf(count)
        select (IReadOnlyList<CqlColumn>)columns;

    public static Gen<CqlRequest> Request { get; } = Gen.OneOf(
        Gen.Constant<CqlRequest>(new OptionsRequest()),
        (from pairs in (from k in Text from v in Text select new KeyValuePair<string, string>(k, v)).ListOf() select (CqlRequest)new StartupRequest([.. pairs])),
        Bytes.Select(b => (CqlRequest)new AuthResponseRequest(b)),
        Text.Select(q => (CqlRequest)new PrepareRequest(q)),
        from q in Text from p in Parameters select (CqlRequest)new QueryRequest(q, p),
        from id in Bytes from p in Parameters select (CqlRequest)new ExecuteRequest(id, p),
        from type in Gen.Elements(CqlBatchType.Logged, CqlBatchType.Unlogged, CqlBatchType.Counter)
        from entries in (from prepared in ArbMap.Default.GeneratorFor<bool>()
                         from q in Text
                         from id in Bytes
                         from values in Encoded.ListOf()
                         select new CqlBatchEntry(prepared ? null : q, prepared ? id : null, [.. values])).ListOf()
        from consistency in Consistency
        from serial in SerialConsistency
        from timestamp in Gen.OneOf(Gen.Constant<long?>(null), Long.Select(l => (long?)l))
        select (CqlRequest)new BatchRequest(type, [.. entries], consistency, serial, timestamp));

    public static Gen<ErrorResponse> Error { get; } =
        from code in Gen.Elements(0x0000, 0x000A, 0x0100, 0x1000, 0x1001, 0x1002, 0x1003, 0x1100, 0x1200, 0x1300, 0x1400, 0x1500, 0x2000, 0x2100, 0x2200, 0x2300, 0x2400, 0x2500)
        from message in Text
        from consistency in Consistency
        from n in Gen.Choose(0, 10).ArrayOf(3)
        from writeType in Gen.Elements("SIMPLE", "BATCH", "UNLOGGED_BATCH", "COUNTER", "BATCH_LOG", "CAS")
        from present in ArbMap.Default.GeneratorFor<bool>()
        from keyspace in Name
        from name in Name
        from args in Name.ListOf()
        from id in Bytes
        select code switch
        {
            0x1000 => new ErrorResponse(code, message) { Consistency = consistency, Required = n[0], Alive = n[1] },
            0x1100 => new ErrorResponse(code, message) { Consistency = consistency, Received = n[0], BlockFor = n[1], WriteType = writeType },
            0x1200 => new ErrorResponse(code, message) { Consistency = consistency, Received = n[0], BlockFor = n[1], DataPresent = present },
            0x1300 => new ErrorResponse(code, message) { Consistency = consistency, Received = n[0], BlockFor = n[1], Failures = n[2], DataPresent = present },
            0x1500 => new ErrorResponse(code, message) { Consistency = consistency, Received = n[0], BlockFor = n[1], Failures = n[2], WriteType = writeType },
            0x1400 => new ErrorResponse(code, message) { Keyspace = keyspace, Name = name, ArgumentTypes = [.. args] },
            0x2400 => new ErrorResponse(code, message) { Keyspace = keyspace, Name = name },
            0x2500 => new ErrorResponse(code, message) { UnpreparedId = id },
            _ => new ErrorResponse(code, message),
        };

    public static Gen<RowsResult> Rows { get; } =
        from columns in Columns
        from noMetadata in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true)))
        from pagingState in Gen.OneOf(Gen.Constant<byte[]?>(null), Bytes.Select(b => (byte[]?)b))
        from rows in Gen.CollectToArray(columns.Select(c => Gen.Frequency((9, Value(c.Type).Select(v => CqlValueCodec.Encode(c.Type, v))), (1, Gen.Constant<byte[]?>(null))))).ListOf()
        select new RowsResult(
            new CqlRowsMetadata(columns.Count, noMetadata ? null : columns, pagingState, GlobalTablesSpec: !noMetadata && columns.All(c => c.Keyspace == columns[0].Keyspace && c.Table == columns[0].Table)),
            [.. rows.Select(r => (IReadOnlyList<byte[]?>)r.ToArray())]);

    public static Gen<CqlResponse> Response { get; } = Gen.OneOf(
        Gen.Constant<CqlResponse>(new ReadyResponse()),
        Text.Select(a => (CqlResponse)new AuthenticateResponse(a)),
        (from pairs in (from k in Text from v in Text.ListOf() select new KeyValuePair<string, IReadOnlyList<string>>(k, [.. v])).ListOf() select (CqlResponse)new SupportedResponse([.. pairs])),
        Bytes.Select(b => (CqlResponse)new AuthChallengeResponse(b)),
        Bytes.Select(b => (CqlResponse)new AuthSuccessResponse(b)),
        Text.Select(e => (CqlResponse)new EventResponse(e)),
        Error.Select(e => (CqlResponse)e),
        Gen.Constant<CqlResponse>(new VoidResult()),
        Rows.Select(r => (CqlResponse)r),
        Name.Select(k => (CqlResponse)new SetKeyspaceResult(k)),
        from id in Bytes
        from bind in Columns
        from keys in Gen.Choose(0, 3).Select(n => (ushort)n).ListOf()
        from result in Columns
        from noMetadata in ArbMap.Default.GeneratorFor<bool>()
        select (CqlResponse)new PreparedResult(id, new CqlPreparedMetadata([.. keys], bind, bind.All(c => c.Keyspace == bind[0].Keyspace && c.Table == bind[0].Table)),
            new CqlRowsMetadata(result.Count, noMetadata ? null : result, null, !noMetadata && result.All(c => c.Keyspace == result[0].Keyspace && c.Table == result[0].Table))),
        from change in Gen.Elements("CREATED", "UPDATED", "DROPPED")
        from target in Gen.Elements("KEYSPACE", "TABLE", "TYPE", "FUNCTION", "AGGREGATE")
        from keyspace in Name
        from name in Name
        from args in Name.ListOf()
        select (CqlResponse)new SchemaChangeResult(change, target, keyspace, target == "KEYSPACE" ? null : name, target is "FUNCTION" or "AGGREGATE" ? [.. args] : null))
        .SelectMany(r => Text.ListOf().Select(w => w.Count > 2 ? r with { Warnings = [.. w] } : r));

    private static bool HasLoneSurrogate(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]))
            {
                if (i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1]))
                {
                    return true;
                }

                i++;
            }
            else if (char.IsLowSurrogate(s[i]))
            {
                return true;
            }
        }

        return false;
    }
}
