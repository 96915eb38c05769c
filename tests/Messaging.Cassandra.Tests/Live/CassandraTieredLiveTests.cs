using Messaging.Conformance;
using Messaging.Stores.Cassandra;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Messaging.Cassandra.Tests.Live;

// The tiered deployment on a live node: AddMessaging().UseRedis(...).UseCassandra(...) (and the other order) with a
// private Redis server on loopback as the hot tier, Cassandra the store of truth. A Redis flush in the middle of the
// sends loses no acknowledged message, reuses no seq and keeps de-duplicating (the claims are in Cassandra).
public sealed class CassandraTieredLiveTests(CassandraKeyspace keyspace) : IClassFixture<CassandraKeyspace>, IAsyncLifetime
{
    private const int HotWindow = 10;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        CassandraLive.SkipWhenUnavailable();
        RedisServer.SkipWhenUnavailable();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_Redis_flush_mid_run_loses_no_acknowledged_message_reuses_no_seq_and_keeps_deduplicating(bool redisFirst)
    {
        await using var redis = await RedisServer.StartAsync();
        await using var admin = await redis.ConnectAsync(o => o.AllowAdmin = true);
        await using var provider = Tiered(redis, redisFirst);
        var engine = provider.GetRequiredService<MessagingEngine>();
        await engine.StartAsync(Ct);
        var conversation = (await engine.CreateDirectConversationAsync("alice", "bob-" + Guid.NewGuid().ToString("N"), Ct)).View.Conversation.Id;
        await using var alice = await engine.ConnectAsync("alice", "phone", new RecordingClientConnection(), Ct);
        var acknowledged = new List<Message>();
        for (var i = 1; i <= 30; i++)
        {
            acknowledged.Add((await alice.SendAsync(new SendMessageRequest(conversation, $"before {i}", $"c{i}"), Ct)).Message);
        }

        await admin.GetServer(admin.GetEndPoints()[0]).FlushAllDatabasesAsync();

        var repeat = await alice.SendAsync(new SendMessageRequest(conversation, "before 5", "c5"), Ct);
        Assert.True(repeat.Duplicate);
        Assert.Equal((acknowledged[4].MessageId, 5L), (repeat.Message.MessageId, repeat.Message.Seq));
        for (var i = 31; i <= 50; i++)
        {
            acknowledged.Add((await alice.SendAsync(new SendMessageRequest(conversation, $"after {i}", $"c{i}"), Ct)).Message);
        }

        Assert.Equal(Enumerable.Range(1, 50).Select(s => (long)s), acknowledged.Select(m => m.Seq));
        var messages = Assert.IsType<TieredMessageStore>(provider.GetRequiredService<IMessageStore>());

        // Through the tiers (the window holds the newest ten) and straight from Cassandra: the same history.
        Assert.Equal(acknowledged.Select(m => m.MessageId), (await messages.ReadAfterAsync(conversation, 0, 100, Ct)).Select(m => m.MessageId));
        Assert.Equal(acknowledged.Select(m => m.MessageId).Reverse(), (await messages.ReadBeforeAsync(conversation, long.MaxValue, 100, Ct)).Select(m => m.MessageId));
        Assert.Equal(acknowledged.Skip(35).Take(5).Select(m => m.MessageId), (await messages.ReadAfterAsync(conversation, 35, 5, Ct)).Select(m => m.MessageId));
        Assert.Equal(acknowledged.Select(m => m.MessageId), (await messages.Durable.ReadAfterAsync(conversation, 0, 100, Ct)).Select(m => m.MessageId));
        Assert.Equal(Enumerable.Range(41, HotWindow).Select(s => (long)s), (await messages.HotWindow.ReadAfterAsync(conversation, 0, 100, Ct)).Select(m => m.Seq));
        Assert.Equal(50, await messages.GetLastSeqAsync(conversation, Ct));
        await engine.StopAsync(Ct);
    }

    [Fact]
    public async Task A_message_whose_hot_write_was_lost_is_read_from_Cassandra_and_written_back()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var provider = Tiered(redis, redisFirst: true);
        var messages = Assert.IsType<TieredMessageStore>(provider.GetRequiredService<IMessageStore>());
        var conversation = "tiered-" + Guid.NewGuid().ToString("N");
        for (var seq = 1; seq <= 8; seq++)
        {
            Assert.Equal(AppendOutcome.Appended, (await messages.AppendAsync(CassandraLiveTests.Message(conversation, seq), Ct)).Outcome);
        }

        // Gone from the window only (as a hot write that failed): seq 4 inside it and seq 8, the newest. The key is the
        // documented layout of the Redis message store (its README).
        await using var connection = await redis.ConnectAsync();
        foreach (var seq in new[] { 4, 8 })
        {
            await connection.GetDatabase().SortedSetRemoveRangeByScoreAsync($"messaging:conv:{{{conversation}}}:messages", seq, seq);
        }

        Assert.Equal(6, (await messages.HotWindow.ReadAfterAsync(conversation, 0, 100, Ct)).Count);
        Assert.Equal(Enumerable.Range(1, 8).Select(s => (long)s), (await messages.ReadAfterAsync(conversation, 0, 100, Ct)).Select(m => m.Seq));
        Assert.Equal(Enumerable.Range(1, 8).Select(s => (long)s), (await messages.HotWindow.ReadAfterAsync(conversation, 0, 100, Ct)).Select(m => m.Seq));
    }

    // The host's registration: Redis for the sequencer, presence, directory, backplane and the hot window; Cassandra
    // (the class's keyspace) for messages, claims, message ids, conversations and receipts.
    private ServiceProvider Tiered(RedisServer redis, bool redisFirst)
    {
        var services = new ServiceCollection();
        var builder = services.AddMessaging();
        var live = keyspace.Options();
        void UseRedis() => builder.UseRedis(o =>
        {
            o.ConnectionString = redis.ConnectionString;
            o.ConfigureStores = stores => stores.HotWindow = HotWindow;
        });
        void UseCassandra() => builder.UseCassandra(o =>
        {
            foreach (var contactPoint in live.ContactPoints)
            {
                o.ContactPoints.Add(contactPoint);
            }

            o.Keyspace = live.Keyspace;
            o.LocalDatacenter = live.LocalDatacenter;
            o.ReplicationFactor = live.ReplicationFactor;
            o.RequestTimeout = live.RequestTimeout;
            o.ReconnectBaseDelay = live.ReconnectBaseDelay;
            o.ReconnectMaxDelay = live.ReconnectMaxDelay;
        });
        if (redisFirst)
        {
            UseRedis();
            UseCassandra();
        }
        else
        {
            UseCassandra();
            UseRedis();
        }

        return services.BuildServiceProvider();
    }
}
