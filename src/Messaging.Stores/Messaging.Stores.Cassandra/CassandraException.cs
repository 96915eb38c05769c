namespace Messaging.Stores.Cassandra;

/// <summary>What went wrong talking to Cassandra: an ERROR code of the server, or a failure on the client's side.</summary>
public enum CassandraErrorKind
{
    /// <summary>The server failed unexpectedly (0x0000).</summary>
    ServerError,

    /// <summary>The server did not understand a frame (0x000A), or the client did not understand the server's.</summary>
    ProtocolError,

    /// <summary>The credentials were refused (0x0100).</summary>
    BadCredentials,

    /// <summary>Too few replicas were alive to try the request (0x1000); it was not applied.</summary>
    Unavailable,

    /// <summary>The coordinator was overloaded and did not process the request (0x1001).</summary>
    Overloaded,

    /// <summary>The coordinator is still bootstrapping and did not process the request (0x1002).</summary>
    IsBootstrapping,

    /// <summary>A TRUNCATE failed (0x1003).</summary>
    TruncateError,

    /// <summary>Replicas did not acknowledge a write in time (0x1100); it may or may not have been applied.</summary>
    WriteTimeout,

    /// <summary>Replicas did not answer a read in time (0x1200).</summary>
    ReadTimeout,

    /// <summary>Replicas failed a read (0x1300).</summary>
    ReadFailure,

    /// <summary>A user function failed (0x1400).</summary>
    FunctionFailure,

    /// <summary>Replicas failed a write (0x1500).</summary>
    WriteFailure,

    /// <summary>The statement is not valid CQL (0x2000).</summary>
    SyntaxError,

    /// <summary>The user may not do this (0x2100).</summary>
    Unauthorized,

    /// <summary>The statement is valid CQL but invalid (0x2200), for example an unknown table.</summary>
    Invalid,

    /// <summary>The statement conflicts with the server's configuration (0x2300).</summary>
    ConfigError,

    /// <summary>The keyspace or table to create already exists (0x2400).</summary>
    AlreadyExists,

    /// <summary>The node did not know a prepared statement (0x2500) and preparing it again did not help.</summary>
    Unprepared,

    /// <summary>A connection could not be opened or was lost before the answer came.</summary>
    ConnectionFailed,

    /// <summary>No contact point could take the request.</summary>
    NoHostAvailable,

    /// <summary>No answer came within the request timeout.</summary>
    RequestTimeout,

    /// <summary>
    /// A compare-and-set lost its race to other writers as many times as it may run
    /// (<see cref="CassandraSequencerOptions.MaxAttempts"/>); nothing was applied by it.
    /// </summary>
    Contention,
}

/// <summary>
/// A failure of a CQL request. The base carries the kind and the server's error code; the subclasses add the fields
/// some errors carry. The stores wrap these as the inner exception of the SDK's own exceptions.
/// </summary>
public class CassandraException : Exception
{
    internal CassandraException(CassandraErrorKind kind, string message, int? errorCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        ErrorCode = errorCode;
    }

    /// <summary>What went wrong.</summary>
    public CassandraErrorKind Kind { get; }

    /// <summary>The server's error code, or <see langword="null"/> for a failure on the client's side.</summary>
    public int? ErrorCode { get; }

    /// <summary>Whether the request may have reached a server (false when it failed before it was written to a connection).</summary>
    internal bool RequestSent { get; init; } = true;
}

/// <summary>Too few replicas were alive for the consistency level; the coordinator did not try the request.</summary>
public sealed class CassandraUnavailableException : CassandraException
{
    internal CassandraUnavailableException(string message, CassandraConsistency consistency, int required, int alive)
        : base(CassandraErrorKind.Unavailable, message, 0x1000)
    {
        Consistency = consistency;
        Required = required;
        Alive = alive;
    }

    /// <summary>The consistency level of the request.</summary>
    public CassandraConsistency Consistency { get; }

    /// <summary>Replicas the level needed.</summary>
    public int Required { get; }

    /// <summary>Replicas known alive.</summary>
    public int Alive { get; }
}

/// <summary>
/// Replicas did not answer (read or write timeout) or failed (read or write failure) in time on the server's side.
/// A timed-out write may still be applied; one with <see cref="WriteType"/> <c>CAS</c> is a lightweight transaction
/// whose outcome is unknown until read at a serial consistency.
/// </summary>
public sealed class CassandraReplicaException : CassandraException
{
    internal CassandraReplicaException(CassandraErrorKind kind, int errorCode, string message, CassandraConsistency consistency, int received, int blockFor, int failures, string? writeType, bool dataPresent)
        : base(kind, message, errorCode)
    {
        Consistency = consistency;
        Received = received;
        BlockFor = blockFor;
        Failures = failures;
        WriteType = writeType;
        DataPresent = dataPresent;
    }

    /// <summary>The consistency level of the request.</summary>
    public CassandraConsistency Consistency { get; }

    /// <summary>Replicas that answered.</summary>
    public int Received { get; }

    /// <summary>Replicas the level needed.</summary>
    public int BlockFor { get; }

    /// <summary>Replicas that failed (read and write failures).</summary>
    public int Failures { get; }

    /// <summary>The kind of write (<c>SIMPLE</c>, <c>BATCH</c>, <c>UNLOGGED_BATCH</c>, <c>COUNTER</c>, <c>BATCH_LOG</c>, <c>CAS</c>, ...); <see langword="null"/> for reads.</summary>
    public string? WriteType { get; }

    /// <summary>Whether the replica asked for the data answered (reads).</summary>
    public bool DataPresent { get; }
}

/// <summary>The keyspace or table a schema statement creates already exists.</summary>
public sealed class CassandraAlreadyExistsException : CassandraException
{
    internal CassandraAlreadyExistsException(string message, string keyspace, string? table)
        : base(CassandraErrorKind.AlreadyExists, message, 0x2400)
    {
        Keyspace = keyspace;
        Table = table;
    }

    /// <summary>The keyspace.</summary>
    public string Keyspace { get; }

    /// <summary>The table, or <see langword="null"/> when the keyspace itself exists.</summary>
    public string? Table { get; }
}
