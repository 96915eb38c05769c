using Messaging.Redis;
using Messaging.Testing;
using Messaging.Stores.Redis;
using Messaging.Transports.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Messaging.ScaleOut.Tests.Hosting;

public sealed class UseRedisTests
{
    [Fact]
    public async Task UseRedis_with_a_connection_string_gives_stores_and_backplane_one_owned_connection_closed_on_dispose()
    {
        await using var redis = await RedisServer.StartAsync();
        var services = new ServiceCollection();
        services.AddMessaging().UseRedis(redis.ConnectionString);
        services.AddMessagingMedia();
        var provider = services.BuildServiceProvider();
        Assert.IsType<RedisMessageTransport>(provider.GetRequiredService<IMessageTransport>());
        Assert.IsType<RedisMessageStore>(provider.GetRequiredService<IMessageStore>());
        Assert.IsType<RedisMediaCatalog>(provider.GetRequiredService<IMediaCatalog>());

        var shared = provider.GetRequiredService<RedisMessagingConnection>().Multiplexer;
        Assert.Same(shared, provider.GetRequiredService<IOptions<RedisStoreOptions>>().Value.ConnectionMultiplexer);
        Assert.Same(shared, provider.GetRequiredService<IOptions<RedisTransportOptions>>().Value.ConnectionMultiplexer);
        Assert.True(shared.IsConnected);

        await provider.DisposeAsync();
        Assert.False(shared.IsConnected);
    }

    [Fact]
    public async Task UseRedis_with_a_host_owned_connection_never_disposes_it()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var host = await redis.ConnectAsync();
        var services = new ServiceCollection();
        services.AddMessaging().UseRedis(host);
        var provider = services.BuildServiceProvider();
        Assert.Same(host, provider.GetRequiredService<IOptions<RedisStoreOptions>>().Value.ConnectionMultiplexer);
        _ = provider.GetRequiredService<IMessageTransport>();

        await provider.DisposeAsync();
        Assert.True(host.IsConnected);
        await host.GetDatabase().PingAsync();
    }

    [Fact]
    public void UseRedis_without_a_connection_fails_validation_at_start()
    {
        var services = new ServiceCollection();
        services.AddMessaging().UseRedis(_ => { });
        using var provider = services.BuildServiceProvider();

        // What the host runs before it starts anything (ValidateOnStart).
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("Set exactly one of ConnectionString and ConnectionMultiplexer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RedisMessagingOptions_redact_the_password_when_printed()
    {
        var options = new RedisMessagingOptions { ConnectionString = "127.0.0.1:6379,password=s3cret" };
        Assert.DoesNotContain("s3cret", options.ToString(), StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:6379", options.ToString(), StringComparison.Ordinal);
    }
}
