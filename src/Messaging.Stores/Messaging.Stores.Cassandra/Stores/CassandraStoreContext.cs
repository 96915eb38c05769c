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

    /// <summary>Runs a lightweight transaction and tells whether it applied, with the row it returned (the existing values when it did not).</summary>
    public async Task<(bool Applied, CqlRow? Row)> ExecuteConditionalAsync(CqlStatement statement, CancellationToken cancellationToken)
    {
        var rows = await ExecuteAsync(statement, cancellationToken).ConfigureAwait(false);
        if (rows.Rows.Count == 0 || rows.Rows[0]["[applied]"] is not bool applied)
        {
            throw new CassandraException(CassandraErrorKind.ProtocolError, $"A conditional statement returned no [applied] column: {statement.Cql}");
        }

        return (applied, rows.Rows[0]);
    }

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
