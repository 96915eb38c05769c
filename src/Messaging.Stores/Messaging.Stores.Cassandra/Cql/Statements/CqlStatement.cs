using Messaging.Stores.Cassandra.Cql.Protocol;

namespace Messaging.Stores.Cassandra.Cql.Statements;

/// <summary>
/// One statement to run: CQL text with positional values, or a prepared statement (then sent as EXECUTE), with its
/// own consistency, serial consistency, page size, paging state, write timestamp and whether running it twice is
/// harmless (<see cref="IsIdempotent"/>, false by default: only idempotent statements are ever tried again after they
/// may have reached a node).
/// </summary>
internal sealed record CqlStatement
{
    public CqlStatement(string cql, params object?[] values)
    {
        Cql = cql;
        Values = values;
    }

    public CqlStatement(CqlPrepared prepared, params object?[] values)
    {
        Cql = prepared.Cql;
        Prepared = prepared;
        Values = values;
    }

    public string Cql { get; }

    public CqlPrepared? Prepared { get; }

    public IReadOnlyList<object?> Values { get; init; }

    public CassandraConsistency? Consistency { get; init; }

    /// <summary>Set for a lightweight transaction (<c>IF ...</c>); such a statement is never retried once sent.</summary>
    public CassandraConsistency? SerialConsistency { get; init; }

    public int? PageSize { get; init; }

    public byte[]? PagingState { get; init; }

    /// <summary>The write timestamp in microseconds since the epoch; the session's clock when <see langword="null"/>.</summary>
    public long? Timestamp { get; init; }

    public bool IsIdempotent { get; init; }

    /// <summary>Whether this is a lightweight transaction (its serial consistency is set).</summary>
    public bool IsLightweightTransaction => SerialConsistency is not null;
}

/// <summary>A statement the server prepared: its id, the types of its bind markers and of its result columns.</summary>
internal sealed record CqlPrepared(string Cql, byte[] Id, CqlPreparedMetadata Bind, CqlRowsMetadata Result);

/// <summary>A BATCH of statements sharing one consistency and timestamp; logged (atomic) or unlogged.</summary>
internal sealed record CqlBatch(IReadOnlyList<CqlStatement> Statements, CqlBatchType Type = CqlBatchType.Logged)
{
    public CassandraConsistency? Consistency { get; init; }

    public CassandraConsistency? SerialConsistency { get; init; }

    public long? Timestamp { get; init; }

    public bool IsIdempotent { get; init; }
}
