using Messaging;
using Messaging.Redis;
using Messaging.Stores.Redis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers the Redis stores: <see cref="IMessageStore"/> (with atomic sequencing), <see cref="IDeduplicationStore"/>,
/// <see cref="IMessageIdIndex"/>, <see cref="ISequencer"/>, <see cref="IConversationStore"/>,
/// <see cref="IConversationIndex"/>, <see cref="IReceiptStore"/>, <see cref="IPresenceStore"/>,
/// <see cref="IContactStore"/> and <see cref="IMediaCatalog"/>. Beside a durable store of truth (for example
/// <c>UseCassandra</c>, registered before or after), Redis is the shared tier: its message store becomes the hot window
/// in front of the durable one (<see cref="TieredMessageStore"/>, keeping <see cref="RedisStoreOptions.HotWindow"/>
/// messages per conversation, without the atomic fast path), the durable adapter keeps its roles (claims, message ids,
/// conversations, the index, receipts), and the sequencer, presence, contacts and the media catalog stay on Redis (the
/// sequencer too is a shared-tier role: a durable sequencer, such as <c>UseCassandraSequencer()</c>, keeps it).
/// </summary>
public static class RedisStoresBuilderExtensions
{
    /// <summary>Uses the Redis stores, connecting with a connection string (the connection is owned and disposed by the adapter).</summary>
    /// <param name="builder">The messaging builder.</param>
    /// <param name="connectionString">A StackExchange.Redis configuration string.</param>
    /// <returns>The builder.</returns>
    public static IMessagingBuilder UseRedisStores(this IMessagingBuilder builder, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return builder.UseRedisStores(o => o.ConnectionString = connectionString);
    }

    /// <summary>Uses the Redis stores on a connection owned by the host (never disposed by the adapter).</summary>
    /// <param name="builder">The messaging builder.</param>
    /// <param name="multiplexer">The host's connection.</param>
    /// <returns>The builder.</returns>
    public static IMessagingBuilder UseRedisStores(this IMessagingBuilder builder, IConnectionMultiplexer multiplexer)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        return builder.UseRedisStores(o => o.ConnectionMultiplexer = multiplexer);
    }

    /// <summary>
    /// Uses the Redis stores. Registered after <c>AddMessaging</c>, so they replace the in-memory ones; a store
    /// registered after this call replaces the Redis one of its role (the sequencer then fences against that message
    /// store). The options are validated when the host starts.
    /// </summary>
    /// <param name="builder">The messaging builder.</param>
    /// <param name="configure">Sets the connection (exactly one of a connection string or a host-owned multiplexer) and tuning.</param>
    /// <returns>The builder.</returns>
    public static IMessagingBuilder UseRedisStores(this IMessagingBuilder builder, Action<RedisStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<RedisStoreOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisStoreOptions>, RedisStoreOptionsValidator>());
        services.TryAddSingleton(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value;
            var logger = sp.GetService<ILoggerFactory>()?.CreateLogger("Messaging.Stores.Redis.RedisConnection");
            return RedisStoreContext.Create(RedisConnection.Create(options.ConnectionString, options.ConnectionMultiplexer, logger), options);
        });
        builder.UseMessageStoreTier(MessageStoreTier.Standalone, static sp => new RedisMessageStore(sp.GetRequiredService<RedisStoreContext>()));
        builder.UseMessageStoreTier(MessageStoreTier.HotWindow, static sp => new RedisMessageStore(sp.GetRequiredService<RedisStoreContext>().AsHotWindow()));
        builder.UseSharedTierRole<IDeduplicationStore>(static sp => new RedisDeduplicationStore(sp.GetRequiredService<RedisStoreContext>()));
        builder.UseSharedTierRole<IMessageIdIndex>(static sp => new RedisMessageIdIndex(sp.GetRequiredService<RedisStoreContext>()));
        builder.UseSharedTierRole<ISequencer>(static sp => new RedisSequencer(sp.GetRequiredService<RedisStoreContext>(), sp.GetRequiredService<IMessageStore>()));
        builder.UseSharedTierRole<IConversationStore>(static sp => new RedisConversationStore(sp.GetRequiredService<RedisStoreContext>()));
        builder.UseSharedTierRole<IConversationIndex>(static sp => new RedisConversationIndex(sp.GetRequiredService<RedisStoreContext>()));
        builder.UseSharedTierRole<IReceiptStore>(static sp => new RedisReceiptStore(sp.GetRequiredService<RedisStoreContext>()));
        services.AddSingleton<IPresenceStore>(static sp => new RedisPresenceStore(sp.GetRequiredService<RedisStoreContext>()));
        services.AddSingleton<IContactStore>(static sp => new RedisContactStore(sp.GetRequiredService<RedisStoreContext>()));
        services.AddSingleton<IMediaCatalog>(static sp => new RedisMediaCatalog(sp.GetRequiredService<RedisStoreContext>()));
        return builder;
    }
}

internal sealed class RedisStoreOptionsValidator : IValidateOptions<RedisStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisStoreOptions options)
        => options.Validate() is { } problems ? ValidateOptionsResult.Fail("Redis store options are invalid: " + problems) : ValidateOptionsResult.Success;
}
