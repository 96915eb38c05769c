using System.Collections.Concurrent;
using System.Globalization;
using Messaging.Stores.Cassandra.Cql.Connection;
using Messaging.Stores.Cassandra.Cql.Protocol;
using Messaging.Stores.Cassandra.Cql.Routing;
using Messaging.Stores.Cassandra.Cql.Statements;
using Microsoft.Extensions.Logging;

namespace Messaging.Stores.Cassandra.Cql;

/// <summary>
/// The pool: every contact point with <see cref="CassandraOptions.ConnectionsPerHost"/> connections, requests
/// spread round-robin over the nodes that are up (with <see cref="CassandraOptions.TokenAwareRouting"/>, a statement
/// with a known partition key goes to its replicas first), prepared statements cached by their CQL text, client-side
/// write timestamps from the <see cref="TimeProvider"/> (strictly increasing within the session).
/// <para>Retries (the rules in the package README):</para>
/// <list type="bullet">
/// <item>A request that never reached a node (no connection, the connection closed before the frame was written) goes to
/// the next node, whatever the statement.</item>
/// <item>UNAVAILABLE and IS_BOOTSTRAPPING mean the coordinator did not try the request: the next node, once each.</item>
/// <item>UNPREPARED: the statement is prepared again on that connection and executed once more.</item>
/// <item>A client timeout, a connection lost after sending, OVERLOADED, or a server read or write timeout: the next node
/// only when the statement is idempotent and not a lightweight transaction (a write timeout of type <c>CAS</c> is never
/// retried: its Paxos outcome is unknown), up to <see cref="CassandraOptions.MaxRetries"/> times.</item>
/// <item>Everything else fails at once with its typed <see cref="CassandraException"/>.</item>
/// </list>
/// </summary>
internal sealed partial class CqlSession : IAsyncDisposable
{
    /// <summary>How a contact point reports its own tokens.</summary>
    internal const string LocalTokensQuery = "SELECT partitioner, tokens FROM system.local";

    // How often a contact point that came up after the ring was built is asked for its tokens, at most.
    private static readonly TimeSpan RingRefreshInterval = TimeSpan.FromSeconds(30);

    private readonly CqlHost[] _hosts;
    private readonly CassandraOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Task<CqlPrepared>> _prepared = new(StringComparer.Ordinal);
    private int _nextHost;
    private long _lastTimestamp;

    // The contact points' tokens (null: none known, or routing off), and when they were last asked for (a contact
    // point that was down then is asked again once it is up, at most once per RingRefreshInterval).
    private volatile TokenRing<CqlHost>? _ring;
    private long _ringAskedAt;
    private int _ringRefreshing;

    private CqlSession(CqlHost[] hosts, CassandraOptions options, TimeProvider time, ILogger logger)
    {
        _hosts = hosts;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public IReadOnlyList<CqlHost> Hosts => _hosts;

    /// <summary>The nodes whose tokens the session routes by (for tests and diagnostics).</summary>
    internal IReadOnlyList<CqlHost> RingHosts => _ring?.Hosts ?? [];

    /// <summary>Opens connections to every contact point; fails only when no node could be reached.</summary>
    public static async Task<CqlSession> ConnectAsync(CassandraOptions options, TimeProvider time, ILogger logger, CancellationToken cancellationToken = default)
    {
        var hosts = options.ContactPoints
            .Select(c => CqlEndpoint.TryParse(c, options.Port, out var endpoint) ? endpoint : throw new ArgumentException($"The contact point '{c}' is not host or host:port.", nameof(options)))
            .Distinct()
            .Select(e => new CqlHost(e, options, time, logger))
            .ToArray();
        try
        {
            var failures = await Task.WhenAll(hosts.Select(h => h.OpenAsync(cancellationToken))).ConfigureAwait(false);
            if (failures.All(f => f is not null))
            {
                // Refused credentials say more than "no host": they are reported as they are.
                var authentication = failures.OfType<CassandraException>().FirstOrDefault(f => f.Kind is CassandraErrorKind.BadCredentials);
                throw authentication ?? new CassandraException(
                    CassandraErrorKind.NoHostAvailable,
                    $"No Cassandra contact point could be reached: {string.Join("; ", failures.Select(f => f!.Message))}",
                    innerException: failures[0]);
            }
        }
        catch
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        var session = new CqlSession(hosts, options, time, logger);
        if (options.TokenAwareRouting)
        {
            try
            {
                await session.RefreshRingAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await session.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        return session;
    }

    /// <summary>Prepares <paramref name="cql"/> once per session (concurrent callers share the PREPARE).</summary>
    public async Task<CqlPrepared> PrepareAsync(string cql, CancellationToken cancellationToken = default)
    {
        var task = _prepared.GetOrAdd(cql, text => PrepareOnAnyAsync(text));
        try
        {
            return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (task.IsFaulted)
        {
            _prepared.TryRemove(new KeyValuePair<string, Task<CqlPrepared>>(cql, task));
            throw;
        }
    }

    /// <summary>Runs one statement and returns its page of rows (empty for a statement without rows).</summary>
    public Task<CqlRowSet> ExecuteAsync(CqlStatement statement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(statement);
        ArgumentOutOfRangeException.ThrowIfNegative(statement.Timestamp ?? 0, nameof(statement));

        // Metadata is always asked for: protocol v4 has no result metadata id, so rows read with the metadata of the
        // PREPARE would be misread after an ALTER TABLE; one column list per page costs little.
        var parameters = new CqlQueryParameters(
            statement.Consistency ?? _options.Consistency,
            EncodeValues(statement.Prepared, statement.Values),
            SkipMetadata: false,
            PageSize: statement.PageSize ?? _options.PageSize,
            PagingState: statement.PagingState,
            SerialConsistency: statement.SerialConsistency,
            Timestamp: statement.Timestamp ?? NextTimestamp());
        CqlRequest request = statement.Prepared is { } prepared
            ? new ExecuteRequest(prepared.Id, parameters)
            : new QueryRequest(statement.Cql, parameters);
        return RunAsync(request, statement.Prepared is null ? [] : [statement.Prepared], statement.IsIdempotent, statement.IsLightweightTransaction, statement.Prepared?.Result, TokenOf(statement.Prepared, parameters.Values), cancellationToken);
    }

    /// <summary>Runs every page of a read, following the paging state.</summary>
    public async IAsyncEnumerable<CqlRow> ReadAllAsync(CqlStatement statement, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var page = statement;
        while (true)
        {
            var rows = await ExecuteAsync(page, cancellationToken).ConfigureAwait(false);
            foreach (var row in rows.Rows)
            {
                yield return row;
            }

            if (rows.PagingState is null)
            {
                yield break;
            }

            page = page with { PagingState = rows.PagingState };
        }
    }

    /// <summary>Runs a BATCH (logged or unlogged); prepared entries are executed by id. A conditional batch answers with its <c>[applied]</c> row.</summary>
    public Task<CqlRowSet> ExecuteBatchAsync(CqlBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentOutOfRangeException.ThrowIfNegative(batch.Timestamp ?? 0, nameof(batch));
        var entries = batch.Statements
            .Select(s => new CqlBatchEntry(s.Prepared is null ? s.Cql : null, s.Prepared?.Id, EncodeValues(s.Prepared, s.Values)))
            .ToArray();
        var request = new BatchRequest(batch.Type, entries, batch.Consistency ?? _options.Consistency, batch.SerialConsistency, batch.Timestamp ?? NextTimestamp());
        var prepared = batch.Statements.Select(s => s.Prepared).OfType<CqlPrepared>().ToArray();

        // A batch is routed by its first statement's key (the stores' batches write one partition).
        var token = batch.Statements.Count > 0 ? TokenOf(batch.Statements[0].Prepared, entries[0].Values) : null;
        return RunAsync(request, prepared, batch.IsIdempotent, batch.SerialConsistency is not null, null, token, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Microseconds since the epoch, strictly increasing within the session even when the clock stands still.</summary>
    internal long NextTimestamp()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        while (true)
        {
            var last = Volatile.Read(ref _lastTimestamp);
            var next = Math.Max(now, last + 1);
            if (Interlocked.CompareExchange(ref _lastTimestamp, next, last) == last)
            {
                return next;
            }
        }
    }

    private static IReadOnlyList<byte[]?> EncodeValues(CqlPrepared? prepared, IReadOnlyList<object?> values)
    {
        if (prepared is not null && prepared.Bind.Columns.Count != values.Count)
        {
            throw new ArgumentException($"The statement has {prepared.Bind.Columns.Count} bind markers but {values.Count} values were given.", nameof(values));
        }

        var encoded = new byte[]?[values.Count];
        for (var i = 0; i < encoded.Length; i++)
        {
            var value = values[i];
            encoded[i] = value is null ? null : CqlValueCodec.Encode(prepared?.Bind.Columns[i].Type ?? CqlValueCodec.InferType(value), value);
        }

        return encoded;
    }

    private async Task<CqlPrepared> PrepareOnAnyAsync(string cql)
    {
        var response = await RunRawAsync(new PrepareRequest(cql), [], idempotent: true, lightweight: false, token: null, CancellationToken.None).ConfigureAwait(false);
        return response is PreparedResult prepared
            ? new CqlPrepared(cql, prepared.Id, prepared.Bind, prepared.Result)
            : throw new CassandraException(CassandraErrorKind.ProtocolError, $"PREPARE was answered with {response.Opcode}.");
    }

    private async Task<CqlRowSet> RunAsync(CqlRequest request, IReadOnlyList<CqlPrepared> prepared, bool idempotent, bool lightweight, CqlRowsMetadata? known, long? token, CancellationToken cancellationToken)
    {
        var response = await RunRawAsync(request, prepared, idempotent, lightweight, token, cancellationToken).ConfigureAwait(false);
        return response is RowsResult rows ? CqlRowSet.From(rows, known) : CqlRowSet.Empty;
    }

    private async Task<ResultResponse> RunRawAsync(CqlRequest request, IReadOnlyList<CqlPrepared> prepared, bool idempotent, bool lightweight, long? token, CancellationToken cancellationToken)
    {
        var retryable = idempotent && !lightweight;
        var retries = 0;
        var unavailableRetried = false;
        CassandraException? last = null;
        var plan = QueryPlan(token);
        for (var attempt = 0; attempt < plan.Length + _options.MaxRetries + 1; attempt++)
        {
            var host = plan[attempt % plan.Length];
            var connection = host.NextConnection();
            if (connection is null)
            {
                last ??= new CassandraException(CassandraErrorKind.ConnectionFailed, $"{host.Endpoint} is down.") { RequestSent = false };
                if (plan.All(h => !h.IsUp))
                {
                    break;
                }

                continue;
            }

            CqlResponse response;
            try
            {
                response = await SendWithRepreparationAsync(connection, request, prepared, cancellationToken).ConfigureAwait(false);
            }
            catch (CassandraException exception) when (exception.Kind is CassandraErrorKind.ConnectionFailed or CassandraErrorKind.RequestTimeout)
            {
                last = exception;
                if (!exception.RequestSent)
                {
                    continue;
                }

                if (retryable && retries++ < _options.MaxRetries)
                {
                    LogRetry(_logger, request.Opcode.ToString(), host.Endpoint.ToString(), exception.Message);
                    continue;
                }

                throw;
            }

            switch (response)
            {
                case ResultResponse result:
                    return result;
                case ErrorResponse error:
                    var exception = CqlErrors.ToException(error);
                    last = exception;
                    var again = error.Code switch
                    {
                        CqlErrorCodes.IsBootstrapping => true,
                        CqlErrorCodes.Unavailable => !unavailableRetried && (unavailableRetried = true),
                        CqlErrorCodes.Overloaded or CqlErrorCodes.ReadTimeout => retryable && retries++ < _options.MaxRetries,
                        CqlErrorCodes.WriteTimeout => retryable && error.WriteType != "CAS" && retries++ < _options.MaxRetries,
                        _ => false,
                    };
                    if (!again)
                    {
                        throw exception;
                    }

                    LogRetry(_logger, request.Opcode.ToString(), host.Endpoint.ToString(), exception.Message);
                    continue;
                default:
                    throw new CassandraException(CassandraErrorKind.ProtocolError, $"{host.Endpoint} answered {request.Opcode} with {response.Opcode}.");
            }
        }

        throw last is { Kind: CassandraErrorKind.ConnectionFailed, RequestSent: false }
            ? new CassandraException(CassandraErrorKind.NoHostAvailable, $"No Cassandra node could take the request: {last.Message}", innerException: last)
            : last ?? new CassandraException(CassandraErrorKind.NoHostAvailable, "No Cassandra node could take the request.");
    }

    /// <summary>
    /// The nodes to try, in order: for a statement with a token, its replicas that are up (the owner first); then the
    /// other nodes that are up, starting one further round for each request; then the nodes that are down.
    /// </summary>
    private CqlHost[] QueryPlan(long? token)
    {
        var up = _hosts.Where(h => h.IsUp).ToArray();
        if (up.Length == 0)
        {
            return _hosts;
        }

        var ring = _ring;
        if (_options.TokenAwareRouting && (ring is null || ring.Hosts.Count < up.Length))
        {
            // A contact point that is up has not reported its tokens (it was down when they were asked for).
            RefreshRingInBackground();
        }

        var start = (int)((uint)Interlocked.Increment(ref _nextHost) % (uint)up.Length);
        var down = _hosts.Where(h => !up.Contains(h));
        if (token is not { } t || ring is null)
        {
            return [.. up[start..], .. up[..start], .. down];
        }

        return [.. ring.ReplicasOf(t).Where(up.Contains).Concat(up[start..]).Concat(up[..start]).Distinct(), .. down];
    }

    /// <summary>The token of a prepared statement's partition key, when its key is bound and token-aware routing is on.</summary>
    private long? TokenOf(CqlPrepared? prepared, IReadOnlyList<byte[]?> values)
        => _options.TokenAwareRouting && _ring is not null && prepared is not null && RoutingKey.Of(prepared.Bind.PartitionKeyIndexes, values) is { } key
            ? Murmur3Token.Of(key)
            : null;

    private void RefreshRingInBackground()
    {
        if (_time.GetElapsedTime(Interlocked.Read(ref _ringAskedAt)) < RingRefreshInterval || Interlocked.Exchange(ref _ringRefreshing, 1) != 0)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await RefreshRingAsync(CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                Volatile.Write(ref _ringRefreshing, 0);
            }
        });
    }

    /// <summary>
    /// Asks every contact point that is up for its own tokens (<c>system.local</c>, on one of its connections) and
    /// rebuilds the ring from the answers. A node that does not answer, or answers for another partitioner than
    /// Murmur3Partitioner, holds no tokens in the ring; its requests still go round-robin.
    /// </summary>
    private async Task RefreshRingAsync(CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _ringAskedAt, _time.GetTimestamp());
        var answers = await Task.WhenAll(_hosts.Select(h => TokensOfAsync(h, cancellationToken))).ConfigureAwait(false);
        var tokens = answers.SelectMany((owned, i) => owned.Select(token => (token, _hosts[i]))).ToList();
        _ring = tokens.Count > 0 ? new TokenRing<CqlHost>(tokens) : null;
    }

    // The tokens a node reports for itself; none when it is down, does not answer, or uses another partitioner.
    private async Task<IReadOnlyList<long>> TokensOfAsync(CqlHost host, CancellationToken cancellationToken)
    {
        if (host.NextConnection() is not { } connection)
        {
            return [];
        }

        string reason;
        try
        {
            var response = await connection.SendAsync(new QueryRequest(LocalTokensQuery, new CqlQueryParameters(CassandraConsistency.One, [])), _options.RequestTimeout, cancellationToken).ConfigureAwait(false);
            if (response is RowsResult rows && CqlRowSet.From(rows, null).Rows is [var row, ..])
            {
                if (row["partitioner"] is string partitioner && partitioner.EndsWith(".Murmur3Partitioner", StringComparison.Ordinal) && row["tokens"] is IEnumerable<object?> owned)
                {
                    return [.. owned.Select(t => long.TryParse(t as string, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var token) ? token : (long?)null).OfType<long>()];
                }

                reason = $"partitioner {row["partitioner"] ?? "(none)"}";
            }
            else
            {
                reason = response is ErrorResponse error ? error.Message : $"answered with {response.Opcode}";
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Routing is an optimisation: whatever goes wrong asking (a lost connection, an answer without the columns
            // asked for, a session disposed meanwhile), the node is routed to without tokens.
            reason = exception.Message;
        }

        LogRingUnknown(_logger, host.Endpoint.ToString(), reason);
        return [];
    }

    private async Task<CqlResponse> SendWithRepreparationAsync(CqlConnection connection, CqlRequest request, IReadOnlyList<CqlPrepared> prepared, CancellationToken cancellationToken)
    {
        var response = await connection.SendAsync(request, _options.RequestTimeout, cancellationToken).ConfigureAwait(false);
        if (response is not ErrorResponse { Code: CqlErrorCodes.Unprepared } unprepared)
        {
            return response;
        }

        // The node lost (or never had) the statement: prepare it there again and execute once more.
        var statement = prepared.FirstOrDefault(p => unprepared.UnpreparedId is { } id && p.Id.AsSpan().SequenceEqual(id))
            ?? throw CqlErrors.ToException(unprepared);
        LogReprepare(_logger, connection.Endpoint.ToString(), statement.Cql);
        var again = await connection.SendAsync(new PrepareRequest(statement.Cql), _options.RequestTimeout, cancellationToken).ConfigureAwait(false);
        if (again is ErrorResponse error)
        {
            throw CqlErrors.ToException(error);
        }

        if (again is not PreparedResult result || !result.Id.AsSpan().SequenceEqual(statement.Id))
        {
            throw new CassandraException(CassandraErrorKind.Unprepared, $"{connection.Endpoint} prepared '{statement.Cql}' again under another id; the statement changed on the server.");
        }

        return await connection.SendAsync(request, _options.RequestTimeout, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 1722, Level = LogLevel.Debug, Message = "{Endpoint} did not report its tokens; requests are routed without them: {Reason}")]
    private static partial void LogRingUnknown(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 1720, Level = LogLevel.Debug, Message = "Retrying a CQL {Opcode} on the next node after {Endpoint} failed: {Reason}")]
    private static partial void LogRetry(ILogger logger, string opcode, string endpoint, string reason);

    [LoggerMessage(EventId = 1721, Level = LogLevel.Debug, Message = "{Endpoint} did not know a prepared statement; preparing it again: {Cql}")]
    private static partial void LogReprepare(ILogger logger, string endpoint, string cql);
}
