namespace Messaging.Stores.Cassandra.Cql.Protocol;

/// <summary>
/// A request message. Each writes its body as section 4.1 of the v4 spec lays it out, and <see cref="Read"/> reads it
/// back (the scripted test peer and the round-trip tests read what the client writes).
/// </summary>
internal abstract record CqlRequest
{
    public abstract CqlOpcode Opcode { get; }

    public abstract void WriteBody(CqlWriter writer);

    public static CqlRequest Read(CqlOpcode opcode, ReadOnlySpan<byte> body)
    {
        var reader = new CqlReader(body);
        return opcode switch
        {
            CqlOpcode.Startup => new StartupRequest(reader.ReadStringMap()),
            CqlOpcode.Options => new OptionsRequest(),
            CqlOpcode.AuthResponse => new AuthResponseRequest(reader.ReadBytes()),
            CqlOpcode.Query => new QueryRequest(reader.ReadLongString(), CqlQueryParameters.Read(ref reader)),
            CqlOpcode.Prepare => new PrepareRequest(reader.ReadLongString()),
            CqlOpcode.Execute => new ExecuteRequest(reader.ReadShortBytes(), CqlQueryParameters.Read(ref reader)),
            CqlOpcode.Register => new RegisterRequest(reader.ReadStringList()),
            CqlOpcode.Batch => BatchRequest.Read(ref reader),
            _ => throw new InvalidDataException($"Opcode {opcode} is not a request."),
        };
    }
}

/// <summary>STARTUP: <c>[string map]</c> of options; <c>CQL_VERSION</c> is required.</summary>
internal sealed record StartupRequest(IReadOnlyList<KeyValuePair<string, string>> Options) : CqlRequest
{
    public override CqlOpcode Opcode => CqlOpcode.Startup;

    public override void WriteBody(CqlWriter writer) => writer.WriteStringMap(Options);
}

/// <summary>OPTIONS: an empty body; answered by SUPPORTED.</summary>
internal sealed record OptionsRequest : CqlRequest
{
    public override CqlOpcode Opcode => CqlOpcode.Options;

    public override void WriteBody(CqlWriter writer)
    {
    }
}

/// <summary>AUTH_RESPONSE: the authenticator's token as <c>[bytes]</c>.</summary>
internal sealed record AuthResponseRequest(byte[]? Token) : CqlRequest
{
    public override CqlOpcode Opcode => CqlOpcode.AuthResponse;

    public override void WriteBody(CqlWriter writer) => writer.WriteBytes(Token);
}

/// <summary>REGISTER: the event types to receive (the client does not register; the peer may still be sent one).</summary>
internal sealed record RegisterRequest(IReadOnlyList<string> Events) : CqlRequest
{
    public override CqlOpcode Opcode => CqlOpcode.Register;

    public override void WriteBody(CqlWriter writer) => writer.WriteStringList(Events);
}

/// <summary>QUERY: <c>[long string]</c> query, then the query parameters.</summary>
internal sealed record QueryRequest(string Query, CqlQueryParameters Parameters) : CqlRequest
{
    public override CqlOpcode Opcode => CqlOpcode.Query;

    public override void WriteBody(CqlWriter writer)
    {
        writer.WriteLongString(Query);
        Parameters.Write(writer);
    }
}

/// <summary>PREPARE: <c>[long string]</c> query.</summary>
internal sealed record PrepareRequest(string Query) : CqlRequest
{
    public override CqlOpcode Opcode => CqlOpcode.Prepare;

    public override void WriteBody(CqlWriter writer) => writer.WriteLongString(Query);
}

/// <summary>EXECUTE: <c>[short bytes]</c> prepared id, then the query parameters.</summary>
internal sealed record ExecuteRequest(byte[] Id, CqlQueryParameters Parameters) : CqlRequest
{
    public override CqlOpcode Opcode => CqlOpcode.Execute;

    public override void WriteBody(CqlWriter writer)
    {
        writer.WriteShortBytes(Id);
        Parameters.Write(writer);
    }
}

/// <summary>The kind of a BATCH (section 4.1.7).</summary>
internal enum CqlBatchType : byte
{
    Logged = 0,
    Unlogged = 1,
    Counter = 2,
}

/// <summary>One statement of a BATCH: a query string or a prepared id, and its serialized values.</summary>
internal sealed record CqlBatchEntry(string? Query, byte[]? PreparedId, IReadOnlyList<byte[]?> Values);

/// <summary>
/// BATCH: <c>[byte]</c> type, <c>[short]</c> n, n × (<c>[byte]</c> kind 0 + <c>[long string]</c> query or kind 1 +
/// <c>[short bytes]</c> id, <c>[short]</c> value count, values), <c>[consistency]</c>, <c>[byte]</c> flags (0x10 serial
/// consistency, 0x20 default timestamp), then the flagged fields in that order.
/// </summary>
internal sealed record BatchRequest(CqlBatchType Type, IReadOnlyList<CqlBatchEntry> Entries, CassandraConsistency Consistency, CassandraConsistency? SerialConsistency, long? Timestamp) : CqlRequest
{
    private const byte SerialFlag = 0x10;
    private const byte TimestampFlag = 0x20;

    public override CqlOpcode Opcode => CqlOpcode.Batch;

    public override void WriteBody(CqlWriter writer)
    {
        writer.WriteByte((byte)Type);
        writer.WriteShort(checked((ushort)Entries.Count));
        foreach (var entry in Entries)
        {
            if (entry.PreparedId is { } id)
            {
                writer.WriteByte(1);
                writer.WriteShortBytes(id);
            }
            else
            {
                writer.WriteByte(0);
                writer.WriteLongString(entry.Query ?? throw new InvalidOperationException("A batch entry has a query or a prepared id."));
            }

            writer.WriteShort(checked((ushort)entry.Values.Count));
            foreach (var value in entry.Values)
            {
                writer.WriteBytes(value);
            }
        }

        writer.WriteConsistency(Consistency);
        writer.WriteByte((byte)((SerialConsistency is null ? 0 : SerialFlag) | (Timestamp is null ? 0 : TimestampFlag)));
        if (SerialConsistency is { } serial)
        {
            writer.WriteConsistency(serial);
        }

        if (Timestamp is { } timestamp)
        {
            writer.WriteLong(timestamp);
        }
    }

    public static BatchRequest Read(ref CqlReader reader)
    {
        var type = (CqlBatchType)reader.ReadByte();
        var count = reader.ReadShort();
        var entries = new CqlBatchEntry[count];
        for (var i = 0; i < count; i++)
        {
            var kind = reader.ReadByte();
            string? query = null;
            byte[]? id = null;
            switch (kind)
            {
                case 0:
                    query = reader.ReadLongString();
                    break;
                case 1:
                    id = reader.ReadShortBytes();
                    break;
                default:
                    throw new InvalidDataException($"A batch entry has kind {kind}.");
            }

            var valueCount = reader.ReadShort();
            var values = new byte[]?[valueCount];
            for (var v = 0; v < valueCount; v++)
            {
                values[v] = reader.ReadBytes();
            }

            entries[i] = new CqlBatchEntry(query, id, values);
        }

        var consistency = reader.ReadConsistency();
        var flags = reader.ReadByte();
        if ((flags & 0x40) != 0)
        {
            throw new InvalidDataException("Named values in a batch are not supported.");
        }

        CassandraConsistency? serialConsistency = (flags & SerialFlag) != 0 ? reader.ReadConsistency() : null;
        long? timestamp = (flags & TimestampFlag) != 0 ? reader.ReadLong() : null;
        return new BatchRequest(type, entries, consistency, serialConsistency, timestamp);
    }
}

/// <summary>
/// The query parameters of QUERY and EXECUTE (section 4.1.4): <c>[consistency]</c>, <c>[byte]</c> flags, then
/// values (0x01: <c>[short]</c> n + n <c>[value]</c>), skip metadata (0x02), page size (0x04, <c>[int]</c>), paging
/// state (0x08, <c>[bytes]</c>), serial consistency (0x10), default timestamp (0x20, <c>[long]</c> microseconds).
/// Named values (0x40) are never written.
/// </summary>
internal sealed record CqlQueryParameters(
    CassandraConsistency Consistency,
    IReadOnlyList<byte[]?> Values,
    bool SkipMetadata = false,
    int? PageSize = null,
    byte[]? PagingState = null,
    CassandraConsistency? SerialConsistency = null,
    long? Timestamp = null)
{
    private const byte ValuesFlag = 0x01;
    private const byte SkipMetadataFlag = 0x02;
    private const byte PageSizeFlag = 0x04;
    private const byte PagingStateFlag = 0x08;
    private const byte SerialFlag = 0x10;
    private const byte TimestampFlag = 0x20;
    private const byte NamesFlag = 0x40;

    public void Write(CqlWriter writer)
    {
        writer.WriteConsistency(Consistency);
        var flags = (Values.Count > 0 ? ValuesFlag : 0)
            | (SkipMetadata ? SkipMetadataFlag : 0)
            | (PageSize is null ? 0 : PageSizeFlag)
            | (PagingState is null ? 0 : PagingStateFlag)
            | (SerialConsistency is null ? 0 : SerialFlag)
            | (Timestamp is null ? 0 : TimestampFlag);
        writer.WriteByte((byte)flags);
        if (Values.Count > 0)
        {
            writer.WriteShort(checked((ushort)Values.Count));
            foreach (var value in Values)
            {
                writer.WriteBytes(value);
            }
        }

        if (PageSize is { } pageSize)
        {
            writer.WriteInt(pageSize);
        }

        if (PagingState is { } pagingState)
        {
            writer.WriteBytes(pagingState);
        }

        if (SerialConsistency is { } serial)
        {
            writer.WriteConsistency(serial);
        }

        if (Timestamp is { } timestamp)
        {
            writer.WriteLong(timestamp);
        }
    }

    public static CqlQueryParameters Read(ref CqlReader reader)
    {
        var consistency = reader.ReadConsistency();
        var flags = reader.ReadByte();
        if ((flags & NamesFlag) != 0)
        {
            throw new InvalidDataException("Named values are not supported.");
        }

        var values = Array.Empty<byte[]?>();
        if ((flags & ValuesFlag) != 0)
        {
            values = new byte[]?[reader.ReadShort()];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = reader.ReadValue(out _);
            }
        }

        int? pageSize = (flags & PageSizeFlag) != 0 ? reader.ReadInt() : null;
        var pagingState = (flags & PagingStateFlag) != 0 ? reader.ReadBytes() : null;
        CassandraConsistency? serial = (flags & SerialFlag) != 0 ? reader.ReadConsistency() : null;
        long? timestamp = (flags & TimestampFlag) != 0 ? reader.ReadLong() : null;
        return new CqlQueryParameters(consistency, values, (flags & SkipMetadataFlag) != 0, pageSize, pagingState, serial, timestamp);
    }
}
