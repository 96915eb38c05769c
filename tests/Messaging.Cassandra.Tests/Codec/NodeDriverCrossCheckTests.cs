using System.Diagnostics;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using Messaging.Media.Tests;
using Messaging.Stores.Cassandra;
using Messaging.Stores.Cassandra.Cql.Connection;
using Messaging.Stores.Cassandra.Cql.Protocol;
using Messaging.Stores.Cassandra.Cql.Routing;

namespace Messaging.Cassandra.Tests.Codec;

/// <summary>
/// Byte-for-byte cross-check against an independent implementation of protocol v4: Node's cassandra-driver (npm),
/// driven through <c>tests/tools/cql-codec.cjs</c>. Values both ways (the driver encodes what this client encodes to the
/// same bytes and decodes this client's bytes to the same value), request frames (the driver's request classes write
/// the same frames), response frames (the driver's frame reader reads this client's frames to the same fields).
/// </summary>
public sealed class NodeDriverCrossCheckTests
{
    private const string Package = "cassandra-driver";

    [Fact]
    public async Task Values_match_the_node_driver_byte_for_byte_both_ways()
    {
        SkipWithoutNode();
        var cases = CqlGen.TypedValue.Sample(300, 30).ToList();
        var job = new JsonObject
        {
            ["values"] = new JsonArray([.. cases.Select(c => (JsonNode)new JsonObject
            {
                ["type"] = Canonical.Type(c.Type),
                ["value"] = Canonical.Value(c.Type, c.Value),
                ["hex"] = c.Value is null ? null : Canonical.Hex(CqlValueCodec.Encode(c.Type, c.Value)),
            })]),
        };

        var result = await RunAsync(job);

        var values = result["values"]!.AsArray();
        for (var i = 0; i < cases.Count; i++)
        {
            var (type, value) = cases[i];
            var ours = CqlValueCodec.Encode(type, value);
            var theirs = values[i]!["hex"]?.GetValue<string>();
            Assert.Equal(cases.Count, values.Count);
            if (theirs is null && value is not null)
            {
                // The driver sends an empty list or set as null; Cassandra stores both alike for a non-frozen column, but
                // a frozen one keeps an empty collection apart from null, so this client writes the empty value.
                Assert.True(type.Code is CqlTypeCode.List or CqlTypeCode.Set && IsEmptyCollection(value), $"the driver wrote null for {type} {Canonical.Text(type, value)}");
                Assert.True(JsonNode.DeepEquals(Canonical.Value(type, value), values[i]!["decoded"]), $"{type}: the driver read {values[i]!["decoded"]?.ToJsonString()} from an empty collection");
                continue;
            }

            Assert.True(Canonical.Hex(ours) == (theirs ?? "null"), $"{type} {Canonical.Text(type, value)}: ours {Canonical.Hex(ours)}, driver {theirs}");
            Assert.True(JsonNode.DeepEquals(Canonical.Value(type, value), values[i]!["decoded"]), $"{type}: the driver read {values[i]!["decoded"]?.ToJsonString()} from our bytes of {Canonical.Text(type, value)}");
            if (theirs is not null)
            {
                Assert.Equal(Canonical.Text(type, value), Canonical.Text(type, CqlValueCodec.Decode(type, Convert.FromHexString(theirs))));
            }
        }
    }

    [Fact]
    public async Task Routing_keys_and_their_tokens_match_the_node_driver()
    {
        SkipWithoutNode();

        // One to three parts of 0 to 40 bytes: every length of a last, partial block, with bytes above 0x7f (read as
        // signed there), and composite keys.
        var part = Gen.Choose(0, 40).SelectMany(length => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), length));
        var keys = Gen.Choose(1, 3).SelectMany(count => Gen.ArrayOf(part, count)).Sample(300, 40).ToList();

        var result = await RunAsync(new JsonObject { ["routing"] = new JsonArray([.. keys.Select(k => (JsonNode)new JsonArray([.. k.Select(p => (JsonNode)Canonical.Hex(p))]))]) });

        var routing = result["routing"]!.AsArray();
        Assert.Equal(keys.Count, routing.Count);
        for (var i = 0; i < keys.Count; i++)
        {
            var parts = keys[i];
            var ours = RoutingKey.Of([.. Enumerable.Range(0, parts.Length).Select(p => (ushort)p)], parts)!;
            var description = string.Join(",", parts.Select(Canonical.Hex));
            Assert.True(Canonical.Hex(ours) == routing[i]!["key"]!.GetValue<string>(), $"routing key of [{description}]: ours {Canonical.Hex(ours)}, driver {routing[i]!["key"]}");
            Assert.True(Murmur3Token.Of(ours).ToString(System.Globalization.CultureInfo.InvariantCulture) == routing[i]!["token"]!.GetValue<string>(), $"token of [{description}]: ours {Murmur3Token.Of(ours)}, driver {routing[i]!["token"]}");
        }
    }

    [Fact]
    public async Task Request_frames_match_the_node_driver_request_classes()
    {
        SkipWithoutNode();
        var cases = new List<(CqlRequest Request, short Stream, JsonObject Description)>
        {
            (CqlConnection.Startup, 0, new JsonObject { ["kind"] = "startup", ["options"] = new JsonArray([.. CqlConnection.Startup.Options.Select(o => (JsonNode)new JsonArray(o.Key, o.Value))]) }),
            (new OptionsRequest(), 7, new JsonObject { ["kind"] = "options" }),
            (new AuthResponseRequest(CqlConnection.PlainToken("cassandra", "pässword")), 1, new JsonObject { ["kind"] = "auth", ["token"] = Canonical.Hex(CqlConnection.PlainToken("cassandra", "pässword")) }),
            (new PrepareRequest("INSERT INTO m (c, s, body) VALUES (?, ?, ?) IF NOT EXISTS"), 300, new JsonObject { ["kind"] = "prepare", ["query"] = "INSERT INTO m (c, s, body) VALUES (?, ?, ?) IF NOT EXISTS" }),
        };
        var generated = (from kind in Gen.Elements("query", "execute", "batch")
                         from stream in Gen.Choose(0, short.MaxValue)
                         from query in CqlGen.Text
                         from id in CqlGen.Bytes.Where(b => b.Length > 0)
                         from values in CqlGen.TypedValue.Where(v => v.Value is not null && !IsEmptyCollection(v.Value)).ListOf()
                         from consistency in CqlGen.Consistency.Where(c => c != CassandraConsistency.Any)
                         from pageSize in Gen.OneOf(Gen.Constant<int?>(null), Gen.Choose(1, 10_000).Select(p => (int?)p))
                         from pagingState in Gen.OneOf(Gen.Constant<byte[]?>(null), CqlGen.Bytes.Where(b => b.Length > 0).Select(b => (byte[]?)b))
                         from serial in CqlGen.SerialConsistency
                         from timestamp in Gen.OneOf(Gen.Constant<long?>(null), CqlGen.Long.Select(t => (long?)t))
                         from batchType in Gen.Elements(CqlBatchType.Logged, CqlBatchType.Unlogged, CqlBatchType.Counter)
                         from prepared in ArbMap.Default.GeneratorFor<bool>().ArrayOf(values.Count + 1)
                         select Describe(kind, (short)stream, query, id, values, consistency, pageSize, pagingState, serial, timestamp, batchType, prepared))
            .Sample(150, 20);
        cases.AddRange(generated);

        var result = await RunAsync(new JsonObject { ["requests"] = new JsonArray([.. cases.Select(c => (JsonNode)WithStream(c.Description, c.Stream))]) });

        var frames = result["requests"]!.AsArray();
        for (var i = 0; i < cases.Count; i++)
        {
            var ours = Canonical.Hex(CqlFraming.Request(cases[i].Stream, cases[i].Request));
            Assert.True(ours == frames[i]!.GetValue<string>(), $"{cases[i].Description.ToJsonString()}: ours {ours}, driver {frames[i]}");
        }
    }

    [Fact]
    public async Task Response_frames_are_read_by_the_node_driver_frame_reader_as_written()
    {
        SkipWithoutNode();
        var responses = CqlGen.Response
            .Where(r => r is not EventResponse and not AuthChallengeResponse && r is not RowsResult { Metadata.Columns: null } && r is not PreparedResult { Result.Columns: null })
            .Sample(200, 20)
            .ToList();

        var result = await RunAsync(new JsonObject { ["responses"] = new JsonArray([.. responses.Select((r, i) => (JsonNode)Canonical.Hex(CqlFraming.Response((short)i, r)))]) });

        var parsed = result["responses"]!.AsArray();
        for (var i = 0; i < responses.Count; i++)
        {
            var theirs = parsed[i]!.AsObject();
            var expected = Expected(responses[i], (short)i);
            foreach (var (key, value) in expected)
            {
                Assert.True(JsonNode.DeepEquals(value, theirs[key]), $"{responses[i].GetType().Name} field {key}: ours {value?.ToJsonString()}, driver {theirs[key]?.ToJsonString()}");
            }
        }
    }

    private static (CqlRequest, short, JsonObject) Describe(
        string kind, short stream, string query, byte[] id, List<(CqlType Type, object? Value)> values, CassandraConsistency consistency,
        int? pageSize, byte[]? pagingState, CassandraConsistency? serial, long? timestamp, CqlBatchType batchType, bool[] prepared)
    {
        var encoded = values.Select(v => CqlValueCodec.Encode(v.Type, v.Value)).ToArray();
        var description = new JsonObject
        {
            ["kind"] = kind,
            ["stream"] = stream,
            ["query"] = query,
            ["id"] = Canonical.Hex(id),
            ["consistency"] = (int)consistency,
            ["values"] = Values(values),
            ["pageSize"] = pageSize,
            ["pagingState"] = pagingState is null ? null : Canonical.Hex(pagingState),
            ["timestamp"] = timestamp?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["batchType"] = (int)batchType,
        };
        if (serial is { } s)
        {
            description["serialConsistency"] = (int)s;
        }

        if (kind == "batch")
        {
            // One entry per value (a query string or a prepared id), and one entry without values.
            var entries = values.Select((v, i) => (Prepared: prepared[i], Query: $"{query}{i}", Value: v)).ToList();
            description["entries"] = new JsonArray([
                .. entries.Select(e => (JsonNode)new JsonObject { ["query"] = e.Prepared ? null : e.Query, ["id"] = e.Prepared ? Canonical.Hex(id) : null, ["values"] = Values([e.Value]) }),
                new JsonObject { ["query"] = query, ["values"] = new JsonArray() },
            ]);
            var batch = new BatchRequest(
                batchType,
                [.. entries.Select(e => new CqlBatchEntry(e.Prepared ? null : e.Query, e.Prepared ? id : null, [CqlValueCodec.Encode(e.Value.Type, e.Value.Value)])), new CqlBatchEntry(query, null, [])],
                consistency,
                serial,
                timestamp);
            return (batch, stream, description);
        }

        var parameters = new CqlQueryParameters(consistency, encoded, false, pageSize, pagingState, serial, timestamp);
        return (kind == "query" ? new QueryRequest(query, parameters) : new ExecuteRequest(id, parameters), stream, description);
    }

    private static bool IsEmptyCollection(object? value) => value is System.Collections.ICollection { Count: 0 } and not byte[];

    private static JsonObject WithStream(JsonObject description, short stream)
    {
        var copy = (JsonObject)description.DeepClone();
        copy["stream"] = stream;
        return copy;
    }

    private static JsonArray Values(IEnumerable<(CqlType Type, object? Value)> values) =>
        new([.. values.Select(v => (JsonNode)new JsonObject { ["type"] = Canonical.Type(v.Type), ["value"] = Canonical.Value(v.Type, v.Value) })]);

    private static JsonObject Expected(CqlResponse response, short stream)
    {
        var expected = new JsonObject
        {
            ["stream"] = stream,
            ["opcode"] = (int)response.Opcode,
            ["warnings"] = new JsonArray([.. response.Warnings.Select(w => (JsonNode)w)]),
        };
        switch (response)
        {
            case AuthenticateResponse authenticate:
                expected["authenticator"] = authenticate.Authenticator;
                break;
            case AuthSuccessResponse success:
                expected["token"] = Canonical.Hex(success.Token ?? []);
                break;
            case SupportedResponse supported:
                var options = new JsonObject();
                foreach (var (key, list) in supported.Options)
                {
                    options[key] = new JsonArray([.. list.Select(v => (JsonNode)v)]);
                }

                expected["options"] = options;
                break;
            case ErrorResponse error:
                expected["code"] = error.Code;
                switch (error.Code)
                {
                    case CqlErrorCodes.Unavailable:
                        expected["consistency"] = (int)error.Consistency!.Value;
                        expected["required"] = error.Required;
                        expected["alive"] = error.Alive;
                        break;
                    case CqlErrorCodes.WriteTimeout or CqlErrorCodes.WriteFailure or CqlErrorCodes.ReadTimeout or CqlErrorCodes.ReadFailure:
                        expected["consistency"] = (int)error.Consistency!.Value;
                        expected["received"] = error.Received;
                        expected["blockFor"] = error.BlockFor;
                        if (error.Code is CqlErrorCodes.WriteFailure or CqlErrorCodes.ReadFailure)
                        {
                            expected["failures"] = error.Failures;
                        }

                        if (error.Code is CqlErrorCodes.WriteTimeout or CqlErrorCodes.WriteFailure)
                        {
                            expected["writeType"] = error.WriteType;
                        }
                        else
                        {
                            expected["dataPresent"] = error.DataPresent ? 1 : 0;
                        }

                        break;
                    case CqlErrorCodes.FunctionFailure:
                        expected["keyspace"] = error.Keyspace;
                        expected["functionName"] = error.Name;
                        expected["argTypes"] = new JsonArray([.. error.ArgumentTypes!.Select(a => (JsonNode)a)]);
                        expected["message"] = error.Message;
                        break;
                    case CqlErrorCodes.AlreadyExists:
                        expected["keyspace"] = error.Keyspace;
                        expected["table"] = string.IsNullOrEmpty(error.Name) ? null : error.Name;
                        expected["message"] = error.Message;
                        break;
                    case CqlErrorCodes.Unprepared:
                        expected["id"] = Canonical.Hex(error.UnpreparedId);
                        expected["message"] = error.Message;
                        break;
                    default:
                        expected["message"] = error.Message;
                        break;
                }

                break;
            case RowsResult rows:
                expected["kind"] = RowsResult.KindId;
                expected["pagingState"] = rows.Metadata.PagingState is null ? null : Canonical.Hex(rows.Metadata.PagingState);
                expected["columns"] = Columns(rows.Metadata.Columns!);
                expected["rows"] = new JsonArray([.. rows.Rows.Select(r => (JsonNode)new JsonArray([.. r.Select((v, c) => v is null ? null : Canonical.Value(rows.Metadata.Columns![c].Type, CqlValueCodec.Decode(rows.Metadata.Columns![c].Type, v)))]))]);
                break;
            case SetKeyspaceResult keyspace:
                expected["kind"] = SetKeyspaceResult.KindId;
                expected["keyspace"] = keyspace.Keyspace;
                break;
            case PreparedResult prepared:
                expected["kind"] = PreparedResult.KindId;
                expected["id"] = Canonical.Hex(prepared.Id);
                expected["partitionKeys"] = new JsonArray([.. prepared.Bind.PartitionKeyIndexes.Select(k => (JsonNode)(int)k)]);
                expected["bind"] = Columns(prepared.Bind.Columns);
                expected["result"] = Columns(prepared.Result.Columns!);
                break;
            case SchemaChangeResult change:
                expected["kind"] = SchemaChangeResult.KindId;
                expected["change"] = change.ChangeType;
                expected["target"] = change.Target;
                expected["keyspace"] = change.Keyspace;
                expected["name"] = change.Name;
                expected["argTypes"] = change.ArgumentTypes is null ? null : new JsonArray([.. change.ArgumentTypes.Select(a => (JsonNode)a)]);
                break;
            case VoidResult:
                expected["kind"] = VoidResult.KindId;
                break;
        }

        return expected;
    }

    private static JsonArray Columns(IReadOnlyList<CqlColumn> columns) =>
        new([.. columns.Select(c => (JsonNode)new JsonObject { ["keyspace"] = c.Keyspace, ["table"] = c.Table, ["name"] = c.Name, ["type"] = Canonical.Type(c.Type) })]);

    private static void SkipWithoutNode()
    {
        if (NodeTools.MissingReason(Package) is { } reason)
        {
            Console.WriteLine($"cassandra-driver cross-check skipped: {reason}");
            Assert.Skip(reason);
        }
    }

    private static async Task<JsonNode> RunAsync(JsonObject job)
    {
        var info = NodeTools.StartInfo("cql-codec.cjs");
        info.StandardInputEncoding = new System.Text.UTF8Encoding(false);
        info.StandardOutputEncoding = System.Text.Encoding.UTF8;
        return JsonNode.Parse(await ToolProcess.RunAsync(info, TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken, job.ToJsonString()))!;
    }
}
