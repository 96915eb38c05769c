namespace Messaging.Stores.Cassandra.Cql.Protocol;

/// <summary>A column of result or bind metadata.</summary>
internal sealed record CqlColumn(string Keyspace, string Table, string Name, CqlType Type);

/// <summary>
/// The metadata of Rows and of a Prepared result's result part (section 4.2.5.2): <c>[int]</c> flags (0x01 global
/// tables spec, 0x02 has more pages, 0x04 no metadata), <c>[int]</c> column count, the paging state (<c>[bytes]</c>)
/// when there are more pages, the global keyspace and table when flagged, then per column (keyspace and table unless
/// global) name and type, all left out when no metadata was asked for.
/// </summary>
internal sealed record CqlRowsMetadata(int ColumnCount, IReadOnlyList<CqlColumn>? Columns, byte[]? PagingState = null, bool GlobalTablesSpec = true)
{
    private const int GlobalFlag = 0x01;
    private const int MorePagesFlag = 0x02;
    private const int NoMetadataFlag = 0x04;

    public static CqlRowsMetadata Read(ref CqlReader reader)
    {
        var flags = reader.ReadInt();
        var count = reader.ReadInt();
        var pagingState = (flags & MorePagesFlag) != 0 ? reader.ReadBytes() : null;
        if ((flags & NoMetadataFlag) != 0)
        {
            return new CqlRowsMetadata(count, null, pagingState, false);
        }

        return new CqlRowsMetadata(count, ReadColumns(ref reader, count, (flags & GlobalFlag) != 0), pagingState, (flags & GlobalFlag) != 0);
    }

    public void Write(CqlWriter writer)
    {
        var global = Columns is not null && GlobalTablesSpec && Columns.Count > 0;
        writer.WriteInt((global ? GlobalFlag : 0) | (PagingState is null ? 0 : MorePagesFlag) | (Columns is null ? NoMetadataFlag : 0));
        writer.WriteInt(ColumnCount);
        if (PagingState is not null)
        {
            writer.WriteBytes(PagingState);
        }

        if (Columns is not null)
        {
            WriteColumns(writer, Columns, global);
        }
    }

    internal static CqlColumn[] ReadColumns(ref CqlReader reader, int count, bool global)
    {
        string? keyspace = null, table = null;
        if (global)
        {
            keyspace = reader.ReadString();
            table = reader.ReadString();
        }

        var columns = new CqlColumn[count];
        for (var i = 0; i < count; i++)
        {
            var columnKeyspace = keyspace ?? reader.ReadString();
            var columnTable = table ?? reader.ReadString();
            var name = reader.ReadString();
            columns[i] = new CqlColumn(columnKeyspace, columnTable, name, reader.ReadType());
        }

        return columns;
    }

    /// <summary>Writes the column specs; a global spec is taken from the first column (all columns share it).</summary>
    internal static void WriteColumns(CqlWriter writer, IReadOnlyList<CqlColumn> columns, bool global)
    {
        if (global)
        {
            writer.WriteString(columns[0].Keyspace);
            writer.WriteString(columns[0].Table);
        }

        foreach (var column in columns)
        {
            if (!global)
            {
                writer.WriteString(column.Keyspace);
                writer.WriteString(column.Table);
            }

            writer.WriteString(column.Name);
            writer.WriteType(column.Type);
        }
    }
}

/// <summary>
/// The bind metadata of a Prepared result: <c>[int]</c> flags (0x01 global), <c>[int]</c> column count,
/// <c>[int]</c> partition key count and that many <c>[short]</c> indexes, the global spec, the column specs.
/// </summary>
internal sealed record CqlPreparedMetadata(IReadOnlyList<ushort> PartitionKeyIndexes, IReadOnlyList<CqlColumn> Columns, bool GlobalTablesSpec = true)
{
    public static CqlPreparedMetadata Read(ref CqlReader reader)
    {
        var flags = reader.ReadInt();
        var count = reader.ReadInt();
        var keyCount = reader.ReadInt();
        if (keyCount < 0 || keyCount > reader.Remaining / 2)
        {
            throw new InvalidDataException($"A Prepared result claims {keyCount} partition key columns.");
        }

        var keys = new ushort[keyCount];
        for (var i = 0; i < keyCount; i++)
        {
            keys[i] = reader.ReadShort();
        }

        var global = (flags & 0x01) != 0;
        return new CqlPreparedMetadata(keys, CqlRowsMetadata.ReadColumns(ref reader, count, global), global);
    }

    public void Write(CqlWriter writer)
    {
        var global = GlobalTablesSpec && Columns.Count > 0;
        writer.WriteInt(global ? 0x01 : 0);
        writer.WriteInt(Columns.Count);
        writer.WriteInt(PartitionKeyIndexes.Count);
        foreach (var index in PartitionKeyIndexes)
        {
            writer.WriteShort(index);
        }

        CqlRowsMetadata.WriteColumns(writer, Columns, global);
    }
}

/// <summary>RESULT: <c>[int]</c> kind (0x0001 Void, 0x0002 Rows, 0x0003 Set_keyspace, 0x0004 Prepared, 0x0005 Schema_change), then its body.</summary>
internal abstract record ResultResponse : CqlResponse
{
    public override CqlOpcode Opcode => CqlOpcode.Result;

    public abstract int Kind { get; }

    public override void WriteBody(CqlWriter writer)
    {
        writer.WriteInt(Kind);
        WriteResult(writer);
    }

    public static ResultResponse Read(ref CqlReader reader)
    {
        var kind = reader.ReadInt();
        switch (kind)
        {
            case VoidResult.KindId:
                return new VoidResult();
            case RowsResult.KindId:
                return RowsResult.ReadRows(ref reader);
            case SetKeyspaceResult.KindId:
                return new SetKeyspaceResult(reader.ReadString());
            case PreparedResult.KindId:
                var id = reader.ReadShortBytes();
                var bind = CqlPreparedMetadata.Read(ref reader);
                return new PreparedResult(id, bind, CqlRowsMetadata.Read(ref reader));
            case SchemaChangeResult.KindId:
                return SchemaChangeResult.ReadChange(ref reader);
            default:
                throw new InvalidDataException($"A RESULT has kind {kind}.");
        }
    }

    protected abstract void WriteResult(CqlWriter writer);
}

internal sealed record VoidResult : ResultResponse
{
    public const int KindId = 0x0001;

    public override int Kind => KindId;

    protected override void WriteResult(CqlWriter writer)
    {
    }
}

/// <summary>Rows: metadata, <c>[int]</c> row count, then each row's column values as <c>[bytes]</c>.</summary>
internal sealed record RowsResult(CqlRowsMetadata Metadata, IReadOnlyList<IReadOnlyList<byte[]?>> Rows) : ResultResponse
{
    public const int KindId = 0x0002;

    public override int Kind => KindId;

    public static RowsResult ReadRows(ref CqlReader reader)
    {
        var metadata = CqlRowsMetadata.Read(ref reader);
        var count = reader.ReadInt();
        if (count < 0 || (metadata.ColumnCount > 0 && count > reader.Remaining / (4 * metadata.ColumnCount)))
        {
            throw new InvalidDataException($"A Rows result claims {count} rows in {reader.Remaining} bytes.");
        }

        var rows = new IReadOnlyList<byte[]?>[count];
        for (var r = 0; r < count; r++)
        {
            var row = new byte[]?[metadata.ColumnCount];
            for (var c = 0; c < row.Length; c++)
            {
                row[c] = reader.ReadBytes();
            }

            rows[r] = row;
        }

        return new RowsResult(metadata, rows);
    }

    protected override void WriteResult(CqlWriter writer)
    {
        Metadata.Write(writer);
        writer.WriteInt(Rows.Count);
        foreach (var row in Rows)
        {
            foreach (var value in row)
            {
                writer.WriteBytes(value);
            }
        }
    }
}

internal sealed record SetKeyspaceResult(string Keyspace) : ResultResponse
{
    public const int KindId = 0x0003;

    public override int Kind => KindId;

    protected override void WriteResult(CqlWriter writer) => writer.WriteString(Keyspace);
}

/// <summary>Prepared: <c>[short bytes]</c> id, bind metadata, result metadata.</summary>
internal sealed record PreparedResult(byte[] Id, CqlPreparedMetadata Bind, CqlRowsMetadata Result) : ResultResponse
{
    public const int KindId = 0x0004;

    public override int Kind => KindId;

    protected override void WriteResult(CqlWriter writer)
    {
        writer.WriteShortBytes(Id);
        Bind.Write(writer);
        Result.Write(writer);
    }
}

/// <summary>
/// Schema_change: <c>[string]</c> change type (CREATED, UPDATED, DROPPED), <c>[string]</c> target (KEYSPACE, TABLE,
/// TYPE, FUNCTION, AGGREGATE), <c>[string]</c> keyspace, then the table or type name, or the function or aggregate
/// name and its argument types.
/// </summary>
internal sealed record SchemaChangeResult(string ChangeType, string Target, string Keyspace, string? Name, IReadOnlyList<string>? ArgumentTypes) : ResultResponse
{
    public const int KindId = 0x0005;

    public override int Kind => KindId;

    public static SchemaChangeResult ReadChange(ref CqlReader reader)
    {
        var change = reader.ReadString();
        var target = reader.ReadString();
        var keyspace = reader.ReadString();
        return target switch
        {
            "KEYSPACE" => new SchemaChangeResult(change, target, keyspace, null, null),
            "TABLE" or "TYPE" => new SchemaChangeResult(change, target, keyspace, reader.ReadString(), null),
            _ => new SchemaChangeResult(change, target, keyspace, reader.ReadString(), reader.ReadStringList()),
        };
    }

    protected override void WriteResult(CqlWriter writer)
    {
        writer.WriteString(ChangeType);
        writer.WriteString(Target);
        writer.WriteString(Keyspace);
        if (Name is not null)
        {
            writer.WriteString(Name);
        }

        if (ArgumentTypes is not null)
        {
            writer.WriteStringList(ArgumentTypes);
        }
    }
}
