// The snippets of the READMEs of Messaging.Redis, Messaging.Stores.Redis and Messaging.Transports.Redis, verbatim.
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Messaging.Docs.Tests.Snippets;

/// <summary>The Redis packages' README code, compiled as written (not run: it names hosts that do not exist here).</summary>
internal static class RedisReadmes
{
    /// <summary>Messaging.Redis: the three ways to register.</summary>
    public static async Task RedisRegistrationAsync(WebApplicationBuilder builder)
    {
        builder.Services.AddMessaging(o => o.NodeId = "gateway-1")     // unique per gateway (generated when not set)
            .UseRedis("redis.internal:6379,password=...");              // connects once; the SDK owns and disposes it

        // or share the host's connection (never disposed by the SDK)
        IConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync("redis.internal:6379");
        builder.Services.AddMessaging().UseRedis(redis);

        // or configure everything
        builder.Services.AddMessaging().UseRedis(o =>
        {
            o.ConnectionString = builder.Configuration["Messaging:Redis"];
            o.ConfigureStores = stores => stores.MessageRetention = 10_000;                // optional; default: keep every message
            o.ConfigureTransport = transport => transport.DirectoryTtl = TimeSpan.FromSeconds(90);
        });
    }

    /// <summary>Messaging.Redis: the two halves registered separately.</summary>
    public static void RedisHalves(WebApplicationBuilder builder, IConnectionMultiplexer redis)
    {
        builder.Services.AddMessaging()
            .UseRedisStores(redis)
            .UseRedisTransport(redis);
    }

    /// <summary>Messaging.Stores.Redis: the three ways to register.</summary>
    public static async Task StoresRegistrationAsync(WebApplicationBuilder builder)
    {
        builder.Services.AddMessaging()
            .UseRedisStores("redis.internal:6379,password=...");       // the adapter owns and disposes this connection

        // or share the host's connection (never disposed by the adapter)
        IConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync("redis.internal:6379");
        builder.Services.AddMessaging()
            .UseRedisStores(redis)
            .UseRedisTransport(redis);                                 // Messaging.Transports.Redis, same connection

        // or configure everything
        builder.Services.AddMessaging()
            .UseRedisStores(o =>
            {
                o.ConnectionString = builder.Configuration.GetConnectionString("redis");
                o.MessageRetention = 10_000;                           // optional: newest messages kept per conversation (default: all)
                o.HotWindow = 1_000;                                   // messages kept per conversation in front of a durable store
                o.PresenceShards = 16;                                 // same value on every node
            });
    }

    /// <summary>Messaging.Transports.Redis: the three ways to register.</summary>
    public static async Task TransportRegistrationAsync(WebApplicationBuilder builder)
    {
        builder.Services.AddMessaging()
            .UseRedisTransport("redis.internal:6379,password=...");     // the adapter owns and disposes this connection

        // or share the host's connection (never disposed by the adapter)
        IConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync("redis.internal:6379");
        builder.Services.AddMessaging()
            .UseRedisTransport(redis);

        // or configure everything
        builder.Services.AddMessaging()
            .UseRedisTransport(o =>
            {
                o.ConnectionString = builder.Configuration.GetConnectionString("redis");
                o.SubscriptionQueueCapacity = 10_000;    // per node inbox; beyond it payloads are dropped and counted
                o.DirectoryTtl = TimeSpan.FromSeconds(90); // a node's entries vanish this long after its last refresh
            });
    }
}
