using Messaging.Stores.Redis;
using Messaging.Transports.Redis;
using StackExchange.Redis;

namespace Messaging.Redis;

/// <summary>Options of <c>UseRedis</c>: the one Redis connection the stores and the backplane share, and their tuning.</summary>
/// <remarks>
/// Set exactly one of <see cref="ConnectionString"/> (the package connects, owns and disposes the connection) and
/// <see cref="ConnectionMultiplexer"/> (the host owns it; it is never disposed here). Validated when the host starts.
/// </remarks>
public sealed class RedisMessagingOptions
{
    /// <summary>A StackExchange.Redis configuration string, e.g. <c>redis.internal:6379,password=...</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>A connection owned by the host, shared with other parts of the application.</summary>
    public IConnectionMultiplexer? ConnectionMultiplexer { get; set; }

    /// <summary>
    /// Tunes the stores (retention, de-duplication window, presence shards). Their connection is always the shared
    /// one; a connection set here is replaced.
    /// </summary>
    public Action<RedisStoreOptions>? ConfigureStores { get; set; }

    /// <summary>
    /// Tunes the backplane (subscription queue capacity, directory TTL). Its connection is always the shared one; a
    /// connection set here is replaced.
    /// </summary>
    public Action<RedisTransportOptions>? ConfigureTransport { get; set; }

    /// <summary>The options as text, with any password in the connection string redacted.</summary>
    /// <returns>A description safe to log.</returns>
    public override string ToString()
        => $"ConnectionString={RedisConnection.Redact(ConnectionString)}, ConnectionMultiplexer={(ConnectionMultiplexer is null ? "(none)" : "(host-owned)")}";

    // Null when valid, else why not.
    internal string? Validate() => RedisConnection.ValidateSource(ConnectionString, ConnectionMultiplexer);
}
