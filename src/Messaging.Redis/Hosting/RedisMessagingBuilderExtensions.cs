using Messaging.Redis;
using Messaging.Stores.Redis;
using Messaging.Transports.Redis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Runs the whole SDK on Redis: the Redis stores (<c>UseRedisStores</c>) and the Redis backplane
/// (<c>UseRedisTransport</c>) on one shared connection.
/// </summary>
public static class RedisMessagingBuilderExtensions
{
    /// <summary>Uses Redis for the stores and the backplane, connecting once with a connection string (the connection is owned and disposed by the SDK).</summary>
    /// <param name="builder">The messaging builder.</param>
    /// <param name="connectionString">A StackExchange.Redis configuration string.</param>
    /// <returns>The builder.</returns>
    public static IMessagingBuilder UseRedis(this IMessagingBuilder builder, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return builder.UseRedis(o => o.ConnectionString = connectionString);
    }

    /// <summary>Uses Redis for the stores and the backplane on a connection owned by the host (never disposed by the SDK).</summary>
    /// <param name="builder">The messaging builder.</param>
    /// <param name="multiplexer">The host's connection.</param>
    /// <returns>The builder.</returns>
    public static IMessagingBuilder UseRedis(this IMessagingBuilder builder, IConnectionMultiplexer multiplexer)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        return builder.UseRedis(o => o.ConnectionMultiplexer = multiplexer);
    }

    /// <summary>
    /// Uses Redis for the stores and the backplane on one shared connection. Registered after <c>AddMessaging</c>, so
    /// it replaces the in-memory adapters. The options are validated when the host starts.
    /// </summary>
    /// <param name="builder">The messaging builder.</param>
    /// <param name="configure">Sets the connection (exactly one of a connection string or a host-owned multiplexer) and tuning.</param>
    /// <returns>The builder.</returns>
    public static IMessagingBuilder UseRedis(this IMessagingBuilder builder, Action<RedisMessagingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<RedisMessagingOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisMessagingOptions>, RedisMessagingOptionsValidator>());
        services.TryAddSingleton<RedisMessagingConnection>();

        // Both packages see the shared connection as host-owned, so neither disposes it.
        builder.UseRedisStores(static _ => { });
        services.AddOptions<RedisStoreOptions>().Configure<IOptions<RedisMessagingOptions>, RedisMessagingConnection>(static (stores, shared, connection) =>
        {
            shared.Value.ConfigureStores?.Invoke(stores);
            stores.ConnectionString = null;
            stores.ConnectionMultiplexer = connection.Multiplexer;
        });
        builder.UseRedisTransport(static _ => { });
        services.AddOptions<RedisTransportOptions>().Configure<IOptions<RedisMessagingOptions>, RedisMessagingConnection>(static (transport, shared, connection) =>
        {
            shared.Value.ConfigureTransport?.Invoke(transport);
            transport.ConnectionString = null;
            transport.ConnectionMultiplexer = connection.Multiplexer;
        });
        return builder;
    }
}

internal sealed class RedisMessagingOptionsValidator : IValidateOptions<RedisMessagingOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisMessagingOptions options)
        => options.Validate() is { } problem ? ValidateOptionsResult.Fail("Redis messaging options are invalid: " + problem) : ValidateOptionsResult.Success;
}
