using Messaging.Stores.Cassandra.Cql;
using Messaging.Stores.Cassandra.Cql.Statements;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Messaging.Stores.Cassandra;

/// <summary>
/// What every store of the package shares: one session (opened on first use, or at start by the hosted service, and
/// opened again on the next use when opening failed), the statements, and running a statement prepared. One context
/// per registration; it owns the session and closes it when disposed.
/// </summary>
internal sealed class CassandraStoreContext : IAsyncDisposable
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private Task<CqlSession>? _session;
    private bool _disposed;

    public CassandraStoreContext(CassandraOptions options, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Statements = new CassandraStatements(options);
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    public CassandraOptions Options { get; }

    public CassandraStatements Statements { get; }

    public ILogger Logger => _logger;

    /// <summary>The clock of the session's write timestamps and of the stores' back-off delays.</summary>
    public TimeProvider Time => _time;

    /// <summary>The session, opening it when none is open.</summary>
    public async ValueTask<CqlSession> SessionAsync(CancellationToken cancellationToken)
    {
        Task<CqlSession> task;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_session is null || _session.IsFaulted || _session.IsCanceled)
            {
                _session = ConnectAsync();
            }

            task = _session;
        }

        return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a statement prepared (the text is prepared once per session) and returns its first page.</summary>
    public async Task<CqlRowSet> ExecuteAsync(CqlStatement statement, CancellationToken cancellationToken)
    {
        var session = await SessionAsync(cancellationToken).ConfigureAwait(false);
        var prepared = await session.PrepareAsync(statement.Cql, cancellationToken).ConfigureAwait(false);
        return await session.ExecuteAsync(Bind(statement, prepared), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a read prepared and returns every row of every page.</summary>
    public async Task<List<CqlRow>> ReadAllAsync(CqlStatement statement, CancellationToken cancellationToken)
    {
        var session = await SessionAsync(cancellationToken).ConfigureAwait(false);
        var prepared = await session.PrepareAsync(statement.Cql, cancellationToken).ConfigureAwait(false);
        var rows = new List<CqlRow>();
        await foreach (var row in session.ReadAllAsync(Bind(statement, prepared), cancellationToken).ConfigureAwait(false))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>
    /// Runs a lightweight transaction and tells whether it applied, with the row it returned (the existing values
    /// when it did not). A Paxos round that timed out (<c>WRITE_TIMEOUT</c> of write type <c>CAS</c>, for example
    /// under contention) may or may not have applied; the same statement is then run again, up to
    /// <see cref="ConditionalAttempts"/> times in all: its Paxos round first completes any round left in flight, so its
    /// answer is decisive, and <see cref="ConditionalResult.AfterTimeout"/> tells the caller that a "not applied"
    /// may be its own earlier attempt (each store tells the two apart by the values it finds).
    /// </summary>
    public async Task<ConditionalResult> ExecuteConditionalAsync(CqlStatement statement, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            ConditionalResult result;
            try
            {
                result = await ExecuteConditionalOnceAsync(statement, cancellationToken).ConfigureAwait(false);
            }
            catch (CassandraReplicaException timeout) when (timeout.Kind == CassandraErrorKind.WriteTimeout && timeout.WriteType == "CAS" && attempt < ConditionalAttempts)
            {
                CassandraLog.ConditionalTimeout(_logger, attempt, statement.Cql);
                continue;
            }

            return result with { AfterTimeout = attempt > 1 };
        }
    }

    /// <summary>
    /// Runs a lightweight transaction once and tells whether it applied, with the row it returned. A failure (a timeout
    /// among them: then the outcome is unknown) is the caller's to settle.
    /// </summary>
    public async Task<ConditionalResult> ExecuteConditionalOnceAsync(CqlStatement statement, CancellationToken cancellationToken)
    {
        var rows = await ExecuteAsync(statement, cancellationToken).ConfigureAwait(false);
        if (rows.Rows.Count == 0 || rows.Rows[0]["[applied]"] is not bool applied)
        {
            throw new CassandraException(CassandraErrorKind.ProtocolError, $"A conditional statement returned no [applied] column: {statement.Cql}");
        }

        return new ConditionalResult(applied, rows.Rows[0], AfterTimeout: false);
    }

    /// <summary>How many times a lightweight transaction whose Paxos round timed out is run in all.</summary>
    public const int ConditionalAttempts = 3;

    public async ValueTask DisposeAsync()
    {
        Task<CqlSession>? session;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            session = _session;
        }

        if (session is not null)
        {
            try
            {
                await (await session.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
            }
            catch (CassandraException)
            {
                // It never opened: nothing to close.
            }
        }
    }

    private static CqlStatement Bind(CqlStatement statement, CqlPrepared prepared) => new(prepared, [.. statement.Values])
    {
        Consistency = statement.Consistency,
        SerialConsistency = statement.SerialConsistency,
        PageSize = statement.PageSize,
        PagingState = statement.PagingState,
        Timestamp = statement.Timestamp,
        IsIdempotent = statement.IsIdempotent,
    };

    private async Task<CqlSession> ConnectAsync()
    {
        var session = await CqlSession.ConnectAsync(Options, _time, _logger).ConfigureAwait(false);
        CassandraLog.Connected(_logger, Options.ToString());
        return session;
    }
}

/// <summary>The answer of a lightweight transaction.</summary>
/// <param name="Applied">Whether this run applied it.</param>
/// <param name="Row">The row returned: <c>[applied]</c> and, when not applied, the existing values of the conditions.</param>
/// <param name="AfterTimeout">An earlier run timed out and may have applied it (then this run reports "not applied").</param>
internal readonly record struct ConditionalResult(bool Applied, CqlRow Row, bool AfterTimeout);
