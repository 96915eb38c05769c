using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Messaging.Redis;

// Compiled into both Redis packages (Messaging.Stores.Redis links this file), so neither package depends on the
// other and connection ownership works the same in both.
//
// Ownership: a multiplexer the adapter created from a connection string is owned and disposed with the adapter; a
// multiplexer the host passed in is borrowed and never disposed here. Connecting is lazy and asynchronous (DI
// constructs adapters synchronously); a failed connect is retried on the next use.
internal sealed partial class RedisConnection : IAsyncDisposable
{
    private readonly ConfigurationOptions? _configuration;
    private readonly ILogger? _logger;
    private readonly Lock _gate = new();
    private IConnectionMultiplexer? _multiplexer;
    private Task<IConnectionMultiplexer>? _connecting;
    private bool _disposed;

    private RedisConnection(IConnectionMultiplexer? borrowed, ConfigurationOptions? configuration, ILogger? logger)
    {
        _configuration = configuration;
        _logger = logger;
        if (borrowed is not null)
        {
            Attach(borrowed);
            _multiplexer = borrowed;
        }
    }

    // True when the adapter created the multiplexer and therefore disposes it.
    public bool OwnsMultiplexer => _configuration is not null;

    // Whether both reach the same server through the same multiplexer: the same connection, or the same borrowed one.
    public bool SharesMultiplexerWith(RedisConnection other)
        => ReferenceEquals(this, other) || (!OwnsMultiplexer && !other.OwnsMultiplexer && ReferenceEquals(_multiplexer, other._multiplexer));

    // With no logger, connection events are not observed at all (no handler stays attached to the host's multiplexer).
    public static RedisConnection Borrow(IConnectionMultiplexer multiplexer, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        return new RedisConnection(multiplexer, null, logger);
    }

    public static RedisConnection Own(string connectionString, ILogger? logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var configuration = ConfigurationOptions.Parse(connectionString);

        // Keep retrying in the background instead of failing the host when Redis is briefly unreachable.
        configuration.AbortOnConnectFail = false;
        return new RedisConnection(null, configuration, logger);
    }

    // The connection an options object describes: exactly one of the two must be set (see ValidateSource).
    public static RedisConnection Create(string? connectionString, IConnectionMultiplexer? multiplexer, ILogger? logger)
        => multiplexer is not null ? Borrow(multiplexer, logger) : Own(connectionString!, logger);

    // Null when exactly one source is given and the connection string parses; otherwise why not.
    public static string? ValidateSource(string? connectionString, IConnectionMultiplexer? multiplexer)
    {
        if ((connectionString is null) == (multiplexer is null))
        {
            return "Set exactly one of ConnectionString and ConnectionMultiplexer.";
        }

        if (connectionString is null)
        {
            return null;
        }

        try
        {
            return ConfigurationOptions.Parse(connectionString).EndPoints.Count == 0 ? "The connection string names no endpoint." : null;
        }
        catch (ArgumentException exception)
        {
            return "The connection string is invalid: " + exception.Message;
        }
    }

    // The connection string without its password, for logs and ToString.
    public static string Redact(string? connectionString)
    {
        if (connectionString is null)
        {
            return "(none)";
        }

        try
        {
            return ConfigurationOptions.Parse(connectionString).ToString(includePassword: false);
        }
        catch (ArgumentException)
        {
            return "(unparsable, not shown)";
        }
    }

    // Redis errors and timeouts (RedisTimeoutException is a TimeoutException, not a RedisException).
    public static bool IsRedisFailure(Exception exception) => exception is RedisException or RedisTimeoutException;

    // Awaits a Redis call; Redis failures surface as MessagingBackendException, the Redis exception only inside it.
    public static async Task<T> Guard<T>(Task<T> task, string failure, CancellationToken cancellationToken)
    {
        try
        {
            return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsRedisFailure(exception))
        {
            throw new MessagingBackendException(failure, exception);
        }
    }

    public static async Task Guard(Task task, string failure, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsRedisFailure(exception))
        {
            throw new MessagingBackendException(failure, exception);
        }
    }

    // Sends a batch. With a fail-fast backlog policy Execute throws instead of faulting the batched commands (which
    // then never complete), so its exception stands for all of them.
    public static Task<T> Send<T>(IBatch batch, Task<T> all)
    {
        try
        {
            batch.Execute();
            return all;
        }
        catch (Exception exception) when (IsRedisFailure(exception))
        {
            return Task.FromException<T>(exception);
        }
    }

    // Sends a batch whose commands have no result anyone needs (as Send above).
    public static Task Send(IBatch batch, Task all)
    {
        try
        {
            batch.Execute();
            return all;
        }
        catch (Exception exception) when (IsRedisFailure(exception))
        {
            return Task.FromException(exception);
        }
    }

    public ValueTask<IConnectionMultiplexer> GetAsync(CancellationToken cancellationToken)
        => Volatile.Read(ref _multiplexer) is { } multiplexer ? new(multiplexer) : new(ConnectAsync(cancellationToken));

    public async ValueTask DisposeAsync()
    {
        IConnectionMultiplexer? multiplexer;
        Task<IConnectionMultiplexer>? connecting;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            multiplexer = _multiplexer;
            connecting = _connecting;
        }

        if (multiplexer is null && connecting is not null)
        {
            try
            {
                multiplexer = await connecting.ConfigureAwait(false);
            }
            catch (Exception exception) when (IsRedisFailure(exception))
            {
                // The connect failed: there is nothing to close.
                return;
            }
        }

        if (multiplexer is null)
        {
            return;
        }

        if (_logger is not null)
        {
            multiplexer.ConnectionFailed -= OnConnectionFailed;
            multiplexer.ConnectionRestored -= OnConnectionRestored;
        }

        if (OwnsMultiplexer)
        {
            await multiplexer.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<IConnectionMultiplexer> ConnectAsync(CancellationToken cancellationToken)
    {
        Task<IConnectionMultiplexer> connecting;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_multiplexer is { } connected)
            {
                return connected;
            }

            connecting = _connecting ??= ConnectCoreAsync();
        }

        try
        {
            return await connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsRedisFailure(exception))
        {
            lock (_gate)
            {
                if (ReferenceEquals(_connecting, connecting))
                {
                    _connecting = null;
                }
            }

            throw new MessagingBackendException("Redis is unavailable.", exception);
        }
    }

    private async Task<IConnectionMultiplexer> ConnectCoreAsync()
    {
        var configuration = _configuration!;
        if (_logger is not null)
        {
            LogConnecting(_logger, configuration.ToString(includePassword: false));
        }

        var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        Attach(multiplexer);
        lock (_gate)
        {
            _multiplexer = multiplexer;
        }

        return multiplexer;
    }

    private void Attach(IConnectionMultiplexer multiplexer)
    {
        if (_logger is null)
        {
            return;
        }

        multiplexer.ConnectionFailed += OnConnectionFailed;
        multiplexer.ConnectionRestored += OnConnectionRestored;
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
        => LogConnectionFailed(_logger!, e.EndPoint?.ToString(), e.ConnectionType, e.FailureType, e.Exception);

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
        => LogConnectionRestored(_logger!, e.EndPoint?.ToString(), e.ConnectionType);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Connecting to Redis ({Configuration}).")]
    private static partial void LogConnecting(ILogger logger, string configuration);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Redis {ConnectionType} connection to {EndPoint} failed ({FailureType}); reconnecting.")]
    private static partial void LogConnectionFailed(ILogger logger, string? endPoint, ConnectionType connectionType, ConnectionFailureType failureType, Exception? exception);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Redis {ConnectionType} connection to {EndPoint} restored.")]
    private static partial void LogConnectionRestored(ILogger logger, string? endPoint, ConnectionType connectionType);
}
