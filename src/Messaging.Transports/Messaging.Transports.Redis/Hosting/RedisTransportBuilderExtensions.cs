using Messaging;
using Messaging.Redis;
using Messaging.Transports.Redis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Redis backplane: <see cref="IMessageTransport"/> and <see cref="IConnectionDirectory"/>.</summary>
public static class RedisTransportBuilderExtensions
{
    /// <summary>Uses Redis as the backplane, connecting with a connection string (the connection is owned and disposed by the adapter).</summary>
    /// <param name="builder">The messaging builder.</param>
    /// <param name="connectionString">A StackExchange.Redis configuration string.</param>
    /// <returns>The builder.</returns>
    public static IMessagingBuilder UseRedisTransport(this IMessagingBuilder builder, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return builder.UseRedisTransport(o => o.ConnectionString = connectionString);
    }

    /// <summary>Uses Redis as the backplane on a connection owned by the host (never disposed by the adapter).</summary>
    /// <param name="builder">The messaging builder.</param>
    /// <param name="multiplexer">The host's connection.</param>
    /// <returns>The builder.</returns>
    public static IMessagingBuilder UseRedisTransport(this IMessagingBuilder builder, IConnectionMultiplexer multiplexer)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        return builder.UseRedisTransport(o => o.ConnectionMultiplexer = multiplexer);
    }

    /// <summary>
    /// Uses Redis as the backplane. Registered after <c>AddMessaging</c>, so it replaces the in-memory transport and
    /// directory. The options are validated when the host starts.
    /// </summary>
    /// <param name="builder">The messaging builder.</param>
    /// <param name="configure">Sets the connection (exactly one of a connection string or a host-owned multiplexer) and tuning.</param>
    /// <returns>The builder.</returns>
    public static IMessagingBuilder UseRedisTransport(this IMessagingBuilder builder, Action<RedisTransportOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<RedisTransportOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisTransportOptions>, RedisTransportOptionsValidator>());
        services.TryAddSingleton(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<RedisTransportOptions>>().Value;
            var logger = sp.GetService<ILoggerFactory>()?.CreateLogger("Messaging.Transports.Redis.RedisConnection");
            return new RedisTransportConnection(RedisConnection.Create(options.ConnectionString, options.ConnectionMultiplexer, logger));
        });
        services.AddSingleton<IMessageTransport>(static sp => new RedisMessageTransport(
            sp.GetRequiredService<RedisTransportConnection>().Connection,
            sp.GetService<ILogger<RedisMessageTransport>>(),
            sp.GetRequiredService<IOptions<RedisTransportOptions>>().Value.SubscriptionQueueCapacity,
            disposeConnection: false,
            sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton<IConnectionDirectory>(static sp => new RedisConnectionDirectory(
            sp.GetRequiredService<RedisTransportConnection>().Connection,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<IOptions<RedisTransportOptions>>().Value.DirectoryTtl));
        return builder;
    }
}

// The one connection the transport and the directory share; the container disposes it (closing it when owned).
internal sealed class RedisTransportConnection(RedisConnection connection) : IAsyncDisposable
{
    public RedisConnection Connection { get; } = connection;

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}

internal sealed class RedisTransportOptionsValidator : IValidateOptions<RedisTransportOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisTransportOptions options)
        => options.Validate() is { } problems ? ValidateOptionsResult.Fail("Redis transport options are invalid: " + problems) : ValidateOptionsResult.Success;
}
