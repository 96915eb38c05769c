using System.Buffers;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using Messaging.Stores.Cassandra.Cql.Protocol;

namespace Messaging.Cassandra.Tests.Codec;

/// <summary>Encode then decode is the identity, for every value type and every frame the client writes or reads.</summary>
public sealed class CodecRoundTripTests
{
    [Fact]
    public void Every_supported_value_round_trips()
    {
        Prop.ForAll(CqlGen.TypedValue.Where(t => t.Value is not null).ToArbitrary(), t =>
        {
            var bytes = CqlValueCodec.Encode(t.Type, t.Value)!;
            Assert.Equal(Canonical.Text(t.Type, t.Value), Canonical.Text(t.Type, CqlValueCodec.Decode(t.Type, bytes)));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Every_request_frame_round_trips_with_its_stream_id()
    {
        Prop.ForAll(CqlGen.Request.ToArbitrary(), Gen.Choose(0, short.MaxValue).ToArbitrary(), (request, stream) =>
        {
            var frame = ReadOne(CqlFraming.Request((short)stream, request));
            Assert.Equal(CqlFrameHeader.RequestVersion, frame.Header.Version);
            Assert.Equal(stream, frame.Header.Stream);
            Assert.Equal(request.Opcode, frame.Header.Opcode);
            Assert.Equal(Json(request), Json(CqlRequest.Read(frame.Header.Opcode, frame.Body)));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Every_response_frame_round_trips_with_its_stream_id()
    {
        Prop.ForAll(CqlGen.Response.ToArbitrary(), Gen.Choose(-1, short.MaxValue).ToArbitrary(), (response, stream) =>
        {
            var frame = ReadOne(CqlFraming.Response((short)stream, response));
            Assert.Equal(CqlFrameHeader.ResponseVersion, frame.Header.Version);
            Assert.Equal(stream, frame.Header.Stream);
            Assert.Equal(Json(response), Json(CqlResponse.Read(frame.Header, frame.Body)));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Types_of_column_metadata_round_trip_including_udt_and_tuple()
    {
        CqlType[] types =
        [
            CqlType.Custom("org.apache.cassandra.db.marshal.DurationType"),
            CqlType.Udt("ks", "address", [new CqlField("street", CqlType.Varchar), new CqlField("tags", CqlType.Set(CqlType.Ascii))]),
            CqlType.Tuple([new CqlField(string.Empty, CqlType.Int), new CqlField(string.Empty, CqlType.Map(CqlType.Uuid, CqlType.Blob))]),
            CqlType.Of(CqlTypeCode.Double),
        ];
        foreach (var type in types)
        {
            var writer = new CqlWriter();
            writer.WriteType(type);
            var reader = new CqlReader(writer.WrittenSpan);
            Assert.Equal(type, reader.ReadType());
            Assert.Equal(0, reader.Remaining);
        }
    }

    [Fact]
    public void A_truncated_frame_body_throws_invalid_data()
    {
        var rows = CqlGen.Rows.Sample(20, 10).First(r => r.Rows.Count > 0);
        var body = CqlFraming.Response(0, rows)[CqlFrameHeader.Size..];
        var header = new CqlFrameHeader(CqlFrameHeader.ResponseVersion, CqlFrameFlags.None, 0, CqlOpcode.Result, body.Length);
        for (var length = 0; length < body.Length; length++)
        {
            var prefix = body[..length];
            Assert.Throws<InvalidDataException>(() => CqlResponse.Read(header, prefix));
        }
    }

    [Fact]
    public void Frames_are_cut_out_of_a_stream_split_anywhere()
    {
        Prop.ForAll(CqlGen.Response.ListOf().ToArbitrary(), Gen.Choose(1, 64).ToArbitrary(), (responses, chunk) =>
        {
            var bytes = responses.SelectMany((r, i) => CqlFraming.Response((short)i, r)).ToArray();
            var read = new List<CqlFrame>();
            var pending = Array.Empty<byte>();
            for (var offset = 0; offset < bytes.Length; offset += chunk)
            {
                pending = [.. pending, .. bytes.AsSpan(offset, Math.Min(chunk, bytes.Length - offset))];
                var sequence = new ReadOnlySequence<byte>(pending);
                while (CqlFraming.TryRead(ref sequence, out var frame))
                {
                    read.Add(frame!);
                }

                pending = sequence.ToArray();
            }

            Assert.Empty(pending);
            Assert.Equal(responses.Select(Json), read.Select(f => Json(CqlResponse.Read(f.Header, f.Body))));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Frame_header_has_the_documented_layout()
    {
        var bytes = CqlFraming.Request(0x0102, new OptionsRequest());

        // version 4, no flags, stream 0x0102, opcode OPTIONS (0x05), empty body
        Assert.Equal<byte>([0x04, 0x00, 0x01, 0x02, 0x05, 0, 0, 0, 0], bytes);
    }

    [Fact]
    public void Uuid_is_written_in_rfc_4122_byte_order()
    {
        var uuid = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");

        Assert.Equal("00112233445566778899aabbccddeeff", Canonical.Hex(CqlValueCodec.Encode(CqlType.Uuid, uuid)));
    }

    [Fact]
    public void Values_without_metadata_are_sent_as_the_cql_type_of_their_dotnet_type()
    {
        Assert.Equal(CqlType.Varchar, CqlValueCodec.InferType("text"));
        Assert.Equal(CqlType.Int, CqlValueCodec.InferType(1));
        Assert.Equal(CqlType.Bigint, CqlValueCodec.InferType(1L));
        Assert.Equal(CqlType.Boolean, CqlValueCodec.InferType(true));
        Assert.Equal(CqlType.Timestamp, CqlValueCodec.InferType(DateTimeOffset.UnixEpoch));
        Assert.Equal(CqlType.Uuid, CqlValueCodec.InferType(Guid.NewGuid()));
        Assert.Equal(CqlType.Blob, CqlValueCodec.InferType(new byte[] { 1 }));
        Assert.Equal(CqlType.List(CqlType.Varchar), CqlValueCodec.InferType(new List<string> { "a" }));
        Assert.Equal(CqlType.Set(CqlType.Int), CqlValueCodec.InferType(new HashSet<int> { 1 }));
        Assert.Equal(CqlType.Map(CqlType.Varchar, CqlType.Bigint), CqlValueCodec.InferType(new Dictionary<string, long> { ["a"] = 1 }));
        Assert.Throws<ArgumentException>(() => CqlValueCodec.InferType(1.5m));
    }

    [Fact]
    public void A_value_of_the_wrong_dotnet_type_for_its_column_is_refused_with_a_clear_error()
    {
        var exception = Assert.Throws<ArgumentException>(() => CqlValueCodec.Encode(CqlType.Int, "42"));
        Assert.Contains("cannot be written as CQL int", exception.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => CqlValueCodec.Encode(CqlType.Ascii, "é"));
        Assert.Throws<ArgumentException>(() => CqlValueCodec.Encode(CqlType.List(CqlType.Int), new object?[] { 1, null }));
        Assert.Throws<InvalidDataException>(() => CqlValueCodec.Decode(CqlType.Bigint, [1, 2, 3]));
    }

    private static CqlFrame ReadOne(byte[] bytes)
    {
        var sequence = new ReadOnlySequence<byte>(bytes);
        Assert.True(CqlFraming.TryRead(ref sequence, out var frame));
        Assert.Equal(0, sequence.Length);
        return frame!;
    }

    private static string Json(object value) => JsonSerializer.Serialize(value, value.GetType());
}
