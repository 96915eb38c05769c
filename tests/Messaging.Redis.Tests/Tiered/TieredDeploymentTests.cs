using Messaging.Conformance;
using Messaging.Stores.Redis;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Messaging.Redis.Tests.Tiered;

/// <summary>
/// The tiered deployment as <c>UseRedis(...)</c> beside a durable store of truth wires it: the Redis stores and the
/// durable adapter's registration as <c>UseCassandra</c> makes it (<see cref="DurableStandIn"/>), with the in-memory
/// stores as the durable tier: real adapters standing in for Cassandra in a single process. The live Cassandra tests
/// run the same deployment on a real node.
/// </summary>
public sealed class TieredDeploymentTests(PrivateRedisFixture redis) : IClassFixture<PrivateRedisFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Redis_and_a_durable_store_give_the_same_tiered_wiring_in_either_order(bool redisFirst)
    {
        var services = new ServiceCollection();
        var builder = services.AddMessaging();
        var durable = new DurableStandIn();
        if (redisFirst)
        {
            durable.Register(builder.UseRedisStores(o => { o.ConnectionMultiplexer = redis.Multiplexer; o.HotWindow = 3; }));
        }
        else
        {
            durable.Register(builder).UseRedisStores(o => { o.ConnectionMultiplexer = redis.Multiplexer; o.HotWindow = 3; });
        }

        await using var provider = services.BuildServiceProvider();
        var resolved = provider.GetRequiredService<IMessageStore>();
        var messages = Assert.IsType<TieredMessageStore>(resolved);
        Assert.Same(durable.Messages, messages.Durable);
        Assert.IsType<RedisMessageStore>(messages.HotWindow);

        // The commit point is the durable append: the Redis atomic fast path is not offered to the engine.
        Assert.False(resolved is IAtomicSequencingStore);
        Assert.Same(durable.Deduplication, provider.GetRequiredService<IDeduplicationStore>());
        Assert.Same(durable.MessageIds, provider.GetRequiredService<IMessageIdIndex>());
        Assert.Same(durable.Conversations, provider.GetRequiredService<IConversationStore>());
        Assert.Same(durable.Conversations, provider.GetRequiredService<IConversationIndex>());
        Assert.Same(durable.Receipts, provider.GetRequiredService<IReceiptStore>());
        Assert.IsType<RedisSequencer>(provider.GetRequiredService<ISequencer>());
        Assert.IsType<RedisPresenceStore>(provider.GetRequiredService<IPresenceStore>());
        Assert.IsType<RedisContactStore>(provider.GetRequiredService<IContactStore>());
        Assert.IsType<RedisMediaCatalog>(provider.GetRequiredService<IMediaCatalog>());

        // The hot window keeps the configured number of newest messages.
        var conversation = "tiered-" + Guid.NewGuid().ToString("N");
        for (var seq = 1; seq <= 5; seq++)
        {
            await messages.AppendAsync(DurableStandIn.NewMessage(conversation, seq), Token);
        }

        Assert.Equal(new long[] { 3L, 4, 5 }, (await messages.HotWindow.ReadAfterAsync(conversation, 0, 10, Token)).Select(m => m.Seq));
        Assert.Equal(5, (await messages.ReadAfterAsync(conversation, 0, 10, Token)).Count);
    }

    [Fact]
    public async Task Each_adapter_alone_keeps_its_own_wiring()
    {
        var redisOnly = new ServiceCollection();
        redisOnly.AddMessaging().UseRedisStores(redis.Multiplexer);
        await using (var provider = redisOnly.BuildServiceProvider())
        {
            Assert.IsType<RedisMessageStore>(provider.GetRequiredService<IMessageStore>());
            Assert.IsType<RedisDeduplicationStore>(provider.GetRequiredService<IDeduplicationStore>());
            Assert.IsType<RedisReceiptStore>(provider.GetRequiredService<IReceiptStore>());
        }

        var durableOnly = new ServiceCollection();
        var durable = new DurableStandIn();
        durable.Register(durableOnly.AddMessaging());
        await using (var provider = durableOnly.BuildServiceProvider())
        {
            Assert.Same(durable.Messages, provider.GetRequiredService<IMessageStore>());
            Assert.Same(durable.Deduplication, provider.GetRequiredService<IDeduplicationStore>());
            Assert.IsType<InMemorySequencer>(provider.GetRequiredService<ISequencer>());
            Assert.IsType<InMemoryPresenceStore>(provider.GetRequiredService<IPresenceStore>());
        }
    }

    [Fact]
    public async Task A_Redis_flush_mid_run_loses_no_acknowledged_message_reuses_no_seq_and_keeps_deduplicating()
    {
        await using var admin = await redis.Server.ConnectAsync(o => o.AllowAdmin = true);
        await using var connection = await redis.Server.ConnectAsync();
        var services = new ServiceCollection();
        var durable = new DurableStandIn();
        durable.Register(services.AddMessaging().UseRedisStores(connection));
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<MessagingEngine>();
        await engine.StartAsync(Token);
        var conversation = (await engine.CreateDirectConversationAsync("alice", "bob", Token)).View.Conversation.Id;
        await using var alice = await engine.ConnectAsync("alice", "phone", new RecordingClientConnection(), Token);
        var acknowledged = new List<Message>();
        for (var i = 1; i <= 10; i++)
        {
            acknowledged.Add((await alice.SendAsync(new SendMessageRequest(conversation, $"before {i}", $"c{i}"), Token)).Message);
        }

        await admin.GetServer(admin.GetEndPoints()[0]).FlushAllDatabasesAsync();

        // The claim lives in the durable tier: a repeat is still answered with the original.
        var repeat = await alice.SendAsync(new SendMessageRequest(conversation, "before 5", "c5"), Token);
        Assert.True(repeat.Duplicate);
        Assert.Equal((acknowledged[4].MessageId, 5L), (repeat.Message.MessageId, repeat.Message.Seq));
        for (var i = 11; i <= 20; i++)
        {
            acknowledged.Add((await alice.SendAsync(new SendMessageRequest(conversation, $"after {i}", $"c{i}"), Token)).Message);
        }

        Assert.Equal(Enumerable.Range(1, 20).Select(s => (long)s), acknowledged.Select(m => m.Seq));
        var history = await provider.GetRequiredService<IMessageStore>().ReadAfterAsync(conversation, 0, 100, Token);
        Assert.Equal(acknowledged.Select(m => (m.Seq, m.MessageId)), history.Select(m => (m.Seq, m.MessageId)));
        var newestFirst = await provider.GetRequiredService<IMessageStore>().ReadBeforeAsync(conversation, long.MaxValue, 100, Token);
        Assert.Equal(acknowledged.Select(m => m.MessageId).Reverse(), newestFirst.Select(m => m.MessageId));
        await engine.StopAsync(Token);
    }
}

/// <summary>
/// A durable store of truth registered the way <c>UseCassandra</c> registers its roles, on the in-memory stores: a
/// real adapter standing in for Cassandra in a single process.
/// </summary>
internal sealed class DurableStandIn
{
    private static readonly DateTimeOffset Epoch = new(2025, 1, 15, 10, 30, 0, TimeSpan.Zero);

    public InMemoryMessageStore Messages { get; } = new();

    public InMemoryDeduplicationStore Deduplication { get; } = new();

    public InMemoryMessageIdIndex MessageIds { get; } = new();

    public InMemoryConversationStore Conversations { get; } = new();

    public InMemoryReceiptStore Receipts { get; } = new();

    public static Message NewMessage(string conversationId, long seq) => new()
    {
        ConversationId = conversationId,
        Seq = seq,
        MessageId = Guid.CreateVersion7().ToString(),
        SenderId = "alice",
        ClientMsgId = "c" + Guid.NewGuid().ToString("N"),
        Content = $"message {seq}",
        Timestamp = Epoch.AddSeconds(seq),
    };

    public IMessagingBuilder Register(IMessagingBuilder builder) => builder
        .UseMessageStoreTier(MessageStoreTier.Durable, _ => Messages)
        .UseDurableRole<IDeduplicationStore>(_ => Deduplication)
        .UseDurableRole<IMessageIdIndex>(_ => MessageIds)
        .UseDurableRole<IConversationStore>(_ => Conversations)
        .UseDurableRole<IConversationIndex>(_ => Conversations)
        .UseDurableRole<IReceiptStore>(_ => Receipts);
}
