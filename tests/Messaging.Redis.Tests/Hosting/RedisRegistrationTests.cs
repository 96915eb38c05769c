using Messaging.Stores.Redis;
using Messaging.Transports.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit;

namespace Messaging.Redis.Tests.Hosting;

public sealed class RedisRegistrationTests(RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Use_redis_replaces_every_redis_backed_role()
    {
        var services = new ServiceCollection();
        services.AddMessaging().UseRedisStores(redis.Multiplexer).UseRedisTransport(redis.Multiplexer);
        await using var provider = services.BuildServiceProvider();

        Assert.IsType<RedisMessageStore>(provider.GetRequiredService<IMessageStore>());
        Assert.IsType<RedisDeduplicationStore>(provider.GetRequiredService<IDeduplicationStore>());
        Assert.IsType<RedisMessageIdIndex>(provider.GetRequiredService<IMessageIdIndex>());
        Assert.IsType<RedisSequencer>(provider.GetRequiredService<ISequencer>());
        Assert.IsType<RedisConversationStore>(provider.GetRequiredService<IConversationStore>());
        Assert.IsType<RedisConversationIndex>(provider.GetRequiredService<IConversationIndex>());
        Assert.IsType<RedisReceiptStore>(provider.GetRequiredService<IReceiptStore>());
        Assert.IsType<RedisPresenceStore>(provider.GetRequiredService<IPresenceStore>());
        Assert.IsType<RedisContactStore>(provider.GetRequiredService<IContactStore>());
        Assert.IsType<RedisMediaCatalog>(provider.GetRequiredService<IMediaCatalog>());
        Assert.IsType<RedisMessageTransport>(provider.GetRequiredService<IMessageTransport>());
        Assert.IsType<RedisConnectionDirectory>(provider.GetRequiredService<IConnectionDirectory>());
    }

    [Fact]
    public async Task A_host_owned_multiplexer_is_used_and_never_disposed()
    {
        await using var multiplexer = await redis.Server.ConnectAsync();
        var services = new ServiceCollection();
        services.AddMessaging().UseRedisStores(multiplexer).UseRedisTransport(multiplexer);
        var conversation = "conv-" + Guid.NewGuid().ToString("N");
        await using (var provider = services.BuildServiceProvider())
        {
            await provider.GetRequiredService<ISequencer>().NextAsync(conversation, Token);
            var subscription = await provider.GetRequiredService<IMessageTransport>().OpenInboxAsync("n", (_, _) => ValueTask.CompletedTask, Token);
            await subscription.DisposeAsync();
        }

        Assert.True(multiplexer.IsConnected);
        Assert.Equal(1, (long)await multiplexer.GetDatabase().StringGetAsync(RedisKeys.Counter(conversation)));
    }

    [Fact]
    public async Task A_connection_string_gives_one_owned_connection_per_package_closed_with_the_container()
    {
        var services = new ServiceCollection();
        services.AddMessaging().UseRedisStores(redis.Server.ConnectionString).UseRedisTransport(o => o.ConnectionString = redis.Server.ConnectionString);
        var conversation = "conv-" + Guid.NewGuid().ToString("N");
        var provider = services.BuildServiceProvider();
        var sequencer = provider.GetRequiredService<ISequencer>();
        await provider.GetRequiredService<IConnectionDirectory>().RefreshNodeAsync("node-" + conversation, Token);
        Assert.Equal(1, await sequencer.NextAsync(conversation, Token));

        // One multiplexer per package, shared by all of its adapters.
        var stores = await provider.GetRequiredService<RedisStoreContext>().Connection.GetAsync(Token);
        var transport = await provider.GetRequiredService<RedisTransportConnection>().Connection.GetAsync(Token);
        Assert.NotSame(stores, transport);
        Assert.True(stores.IsConnected && transport.IsConnected);

        await provider.DisposeAsync();

        Assert.False(stores.IsConnected);
        Assert.False(transport.IsConnected);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await sequencer.NextAsync(conversation, Token));
    }

    [Theory]
    [InlineData(null, false, "Set exactly one of ConnectionString and ConnectionMultiplexer.")]
    [InlineData("127.0.0.1:1", true, "Set exactly one of ConnectionString and ConnectionMultiplexer.")]
    [InlineData("127.0.0.1:1,nonsense=1", false, "The connection string is invalid")]
    public async Task Invalid_options_fail_when_the_host_starts(string? connectionString, bool alsoMultiplexer, string expected)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMessaging().UseRedisStores(o =>
        {
            o.ConnectionString = connectionString;
            o.ConnectionMultiplexer = alsoMultiplexer ? redis.Multiplexer : null;
        });
        using var host = builder.Build();

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Token));

        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_retention_below_one_fails_when_the_host_starts()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMessaging().UseRedisStores(o =>
        {
            o.ConnectionMultiplexer = redis.Multiplexer;
            o.MessageRetention = 0;
        });
        using var host = builder.Build();

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Token));

        Assert.Contains("MessageRetention", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_registered_message_store_keeps_every_message_unless_a_retention_is_configured()
    {
        Assert.Null(new RedisStoreOptions().MessageRetention);
        var services = new ServiceCollection();
        services.AddMessaging().UseRedisStores(redis.Multiplexer);
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<IMessageStore>();
        var conversation = "conv-" + Guid.NewGuid().ToString("N");

        // More than any small window: the store must not trim on its own.
        const int Count = 300;
        await Task.WhenAll(Enumerable.Range(1, Count).Select(seq => store.AppendAsync(new Message
        {
            ConversationId = conversation,
            Seq = seq,
            MessageId = Guid.CreateVersion7().ToString(),
            SenderId = "alice",
            ClientMsgId = "cmid" + seq,
            Content = "m" + seq,
            Timestamp = DateTimeOffset.UnixEpoch,
        }, Token).AsTask()));

        Assert.Equal(1, await store.GetHistoryStartAsync(conversation, Token));
        Assert.Equal(Enumerable.Range(1, Count).Select(s => (long)s), (await store.ReadAfterAsync(conversation, 0, Count + 1, Token)).Select(m => m.Seq));
    }

    [Fact]
    public async Task Invalid_transport_options_fail_when_the_host_starts()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMessaging().UseRedisTransport(o =>
        {
            o.ConnectionString = redis.Server.ConnectionString;
            o.SubscriptionQueueCapacity = 0;
        });
        using var host = builder.Build();

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Token));

        Assert.Contains("SubscriptionQueueCapacity", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_redact_the_password_when_written_out()
    {
        var stores = new RedisStoreOptions { ConnectionString = "127.0.0.1:6379,password=s3cret" }.ToString();
        var transport = new RedisTransportOptions { ConnectionString = "127.0.0.1:6379,password=s3cret" }.ToString();

        Assert.DoesNotContain("s3cret", stores, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", transport, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:6379", stores, StringComparison.Ordinal);
    }
}
