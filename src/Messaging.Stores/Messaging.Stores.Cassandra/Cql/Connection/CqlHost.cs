using Microsoft.Extensions.Logging;

namespace Messaging.Stores.Cassandra.Cql.Connection;

/// <summary>
/// One node of the pool and its connections. The node is up while at least one connection is open; when a connection
/// fails (to open, or later) the node's reconnection loop refills the slots, waiting
/// <see cref="CassandraOptions.ReconnectBaseDelay"/> and doubling up to <see cref="CassandraOptions.ReconnectMaxDelay"/>
/// between failed attempts. A node that answers again is up again.
/// </summary>
internal sealed partial class CqlHost : IAsyncDisposable
{
    private readonly CqlConnection?[] _slots;
    private readonly CqlConnectionSettings _settings;
    private readonly CassandraOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _gate = new();
    private Task _reconnecting = Task.CompletedTask;
    private int _next;

    public CqlHost(CqlEndpoint endpoint, CassandraOptions options, TimeProvider time, ILogger logger)
    {
        Endpoint = endpoint;
        _options = options;
        _settings = CqlConnectionSettings.From(options);
        _time = time;
        _logger = logger;
        _slots = new CqlConnection?[options.ConnectionsPerHost];
    }

    public CqlEndpoint Endpoint { get; }

    /// <summary>Whether at least one connection is open.</summary>
    public bool IsUp
    {
        get
        {
            lock (_gate)
            {
                return _slots.Any(c => c is { IsOpen: true });
            }
        }
    }

    /// <summary>Reconnection attempts made since the node last went down (for tests and diagnostics).</summary>
    public int ReconnectAttempts { get; private set; }

    /// <summary>Opens every slot once; returns the first failure when none opened.</summary>
    public async Task<Exception?> OpenAsync(CancellationToken cancellationToken)
    {
        Exception? failure = null;
        for (var i = 0; i < _slots.Length; i++)
        {
            try
            {
                Attach(i, await CqlConnection.OpenAsync(Endpoint, _settings, _time, _logger, cancellationToken).ConfigureAwait(false));
            }
            catch (CassandraException exception)
            {
                // Refused credentials or a protocol mismatch fail the node like an unreachable one; the session reports them.
                failure ??= exception;
            }
        }

        if (!IsUp)
        {
            LogDown(_logger, Endpoint.ToString(), failure?.Message ?? "no connection");
        }

        if (_slots.Any(s => s is null))
        {
            StartReconnecting();
        }

        return IsUp ? null : failure;
    }

    /// <summary>The next open connection, round-robin over the slots.</summary>
    public CqlConnection? NextConnection()
    {
        if (_reconnecting.IsCompleted && !_stopping.IsCancellationRequested && Array.Exists(_slots, s => s is not { IsOpen: true }))
        {
            // A slot emptied while the last reconnection loop was finishing; refill it now.
            StartReconnecting();
        }

        lock (_gate)
        {
            for (var i = 0; i < _slots.Length; i++)
            {
                var index = (int)((uint)_next++ % (uint)_slots.Length);
                if (_slots[index] is { IsOpen: true } connection)
                {
                    return connection;
                }
            }

            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _reconnecting.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped while waiting to reconnect.
        }

        CqlConnection?[] slots;
        lock (_gate)
        {
            slots = [.. _slots];
        }

        foreach (var connection in slots)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }

        _stopping.Dispose();
    }

    private void Attach(int slot, CqlConnection connection)
    {
        lock (_gate)
        {
            _slots[slot] = connection;
        }

        _ = connection.Closed.ContinueWith(
            _ =>
            {
                lock (_gate)
                {
                    if (_slots[slot] == connection)
                    {
                        _slots[slot] = null;
                    }
                }

                if (!_stopping.IsCancellationRequested)
                {
                    if (!IsUp)
                    {
                        LogDown(_logger, Endpoint.ToString(), connection.Closed.Result.Message);
                    }

                    StartReconnecting();
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void StartReconnecting()
    {
        lock (_gate)
        {
            if (!_reconnecting.IsCompleted || _stopping.IsCancellationRequested)
            {
                return;
            }

            _reconnecting = Task.Run(ReconnectLoopAsync);
        }
    }

    private async Task ReconnectLoopAsync()
    {
        var delay = _options.ReconnectBaseDelay;
        var token = _stopping.Token;
        var wasDown = !IsUp;
        ReconnectAttempts = 0;
        while (!token.IsCancellationRequested)
        {
            int[] empty;
            lock (_gate)
            {
                empty = [.. Enumerable.Range(0, _slots.Length).Where(i => _slots[i] is not { IsOpen: true })];
            }

            if (empty.Length == 0)
            {
                break;
            }

            // A node that still has open connections is refilled at once; a node that is down is retried after a back-off.
            if (!IsUp)
            {
                await Task.Delay(delay, _time, token).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReconnectMaxDelay.Ticks));
            }

            ReconnectAttempts++;
            var failed = false;
            foreach (var slot in empty)
            {
                try
                {
                    Attach(slot, await CqlConnection.OpenAsync(Endpoint, _settings, _time, _logger, token).ConfigureAwait(false));
                }
                catch (CassandraException exception)
                {
                    LogReconnectFailed(_logger, Endpoint.ToString(), exception.Message);
                    failed = true;
                    break;
                }
            }

            if (failed && IsUp)
            {
                // Some connections are open; wait before trying the rest again.
                await Task.Delay(delay, _time, token).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReconnectMaxDelay.Ticks));
            }
        }

        if (wasDown && IsUp)
        {
            LogUp(_logger, Endpoint.ToString());
        }
    }

    [LoggerMessage(EventId = 1710, Level = LogLevel.Warning, Message = "Cassandra node {Endpoint} is down: {Reason}")]
    private static partial void LogDown(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 1711, Level = LogLevel.Information, Message = "Cassandra node {Endpoint} is up again")]
    private static partial void LogUp(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 1712, Level = LogLevel.Debug, Message = "Reconnecting to Cassandra node {Endpoint} failed: {Reason}")]
    private static partial void LogReconnectFailed(ILogger logger, string endpoint, string reason);
}
