using System.Net;
using System.Net.Sockets;
using Messaging.Stores.Cassandra;
using Messaging.Stores.Cassandra.Cql.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace Messaging.Cassandra.Tests.Hosting;

public sealed class UseCassandraTests
{
    // MessagingLog.EngineStarted: "Messaging engine started on node ...".
    private const int EngineStartedEventId = 1000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_Cassandra_roles_replace_the_in_memory_stores_and_the_rest_stays_in_memory()
    {
        var services = new ServiceCollection();
        services.AddMessaging().UseCassandra("127.0.0.1:9042, 127.0.0.2");
        await using var provider = services.BuildServiceProvider();

        Assert.IsType<CassandraMessageStore>(provider.GetRequiredService<IMessageStore>());
        Assert.IsType<CassandraDeduplicationStore>(provider.GetRequiredService<IDeduplicationStore>());
        Assert.IsType<CassandraMessageIdIndex>(provider.GetRequiredService<IMessageIdIndex>());
        Assert.IsType<CassandraConversationStore>(provider.GetRequiredService<IConversationStore>());
        Assert.IsType<CassandraConversationIndex>(provider.GetRequiredService<IConversationIndex>());
        Assert.IsType<CassandraReceiptStore>(provider.GetRequiredService<IReceiptStore>());
        Assert.IsType<InMemorySequencer>(provider.GetRequiredService<ISequencer>());
        Assert.IsType<InMemoryMessageTransport>(provider.GetRequiredService<IMessageTransport>());
        Assert.IsType<InMemoryConnectionDirectory>(provider.GetRequiredService<IConnectionDirectory>());
        Assert.IsType<InMemoryPresenceStore>(provider.GetRequiredService<IPresenceStore>());
        Assert.Equal(["127.0.0.1:9042", "127.0.0.2"], provider.GetRequiredService<IOptions<CassandraOptions>>().Value.ContactPoints);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task UseRedis_and_UseCassandra_give_the_tiered_wiring_in_either_order(bool redisFirst)
    {
        // A real Redis server on loopback; nothing connects to Cassandra until the host starts.
        RedisServer.SkipWhenUnavailable();
        await using var redis = await RedisServer.StartAsync();
        var services = new ServiceCollection();
        var builder = services.AddMessaging();
        if (redisFirst)
        {
            builder.UseRedis(redis.ConnectionString).UseCassandra("127.0.0.1:9042");
        }
        else
        {
            builder.UseCassandra("127.0.0.1:9042").UseRedis(redis.ConnectionString);
        }

        await using var provider = services.BuildServiceProvider();

        var resolved = provider.GetRequiredService<IMessageStore>();
        var messages = Assert.IsType<TieredMessageStore>(resolved);
        Assert.IsType<CassandraMessageStore>(messages.Durable);
        Assert.IsType<Messaging.Stores.Redis.RedisMessageStore>(messages.HotWindow);
        Assert.False(resolved is IAtomicSequencingStore);
        Assert.IsType<CassandraDeduplicationStore>(provider.GetRequiredService<IDeduplicationStore>());
        Assert.IsType<CassandraMessageIdIndex>(provider.GetRequiredService<IMessageIdIndex>());
        Assert.IsType<CassandraConversationStore>(provider.GetRequiredService<IConversationStore>());
        Assert.IsType<CassandraConversationIndex>(provider.GetRequiredService<IConversationIndex>());
        Assert.IsType<CassandraReceiptStore>(provider.GetRequiredService<IReceiptStore>());
        Assert.IsType<Messaging.Stores.Redis.RedisSequencer>(provider.GetRequiredService<ISequencer>());
        Assert.IsType<Messaging.Stores.Redis.RedisPresenceStore>(provider.GetRequiredService<IPresenceStore>());
        Assert.IsType<Messaging.Transports.Redis.RedisMessageTransport>(provider.GetRequiredService<IMessageTransport>());
        Assert.IsType<Messaging.Transports.Redis.RedisConnectionDirectory>(provider.GetRequiredService<IConnectionDirectory>());
    }

    [Theory]
    [InlineData("cassandra sequencer")]
    [InlineData("sequencer cassandra")]
    [InlineData("redis cassandra sequencer")]
    [InlineData("sequencer redis cassandra")]
    [InlineData("cassandra sequencer redis")]
    public async Task UseCassandraSequencer_puts_the_sequencer_on_Cassandra_alone_or_beside_Redis_in_any_order(string order)
    {
        // Without UseCassandraSequencer the tiered wiring keeps Redis' sequencer (the test above); with it, Cassandra's
        // wins whatever the order, and fences against the resolved message store.
        var steps = order.Split(' ');
        RedisServer? redis = null;
        if (steps.Contains("redis"))
        {
            RedisServer.SkipWhenUnavailable();
            redis = await RedisServer.StartAsync();
        }

        await using (redis)
        {
            var services = new ServiceCollection();
            var builder = services.AddMessaging();
            foreach (var step in steps)
            {
                _ = step switch
                {
                    "cassandra" => builder.UseCassandra("127.0.0.1:9042"),
                    "sequencer" => builder.UseCassandraSequencer(o => o.MaxAttempts = 7),
                    _ => builder.UseRedis(redis!.ConnectionString),
                };
            }

            await using var provider = services.BuildServiceProvider();

            Assert.IsType<CassandraSequencer>(provider.GetRequiredService<ISequencer>());
            Assert.Equal(7, provider.GetRequiredService<IOptions<CassandraSequencerOptions>>().Value.MaxAttempts);
            Assert.IsType(redis is null ? typeof(CassandraMessageStore) : typeof(TieredMessageStore), provider.GetRequiredService<IMessageStore>());
        }
    }

    [Fact]
    public async Task Bad_sequencer_options_fail_the_start_before_any_connection()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddMessaging().UseCassandraSequencer(o => o.RetryMaxDelay = TimeSpan.FromMinutes(1)).UseCassandra("127.0.0.1:9042");
        using var host = builder.Build();

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("RetryMaxDelay", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UseCassandraSequencer_without_UseCassandra_fails_the_start_for_want_of_a_contact_point()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddMessaging().UseCassandraSequencer();
        using var host = builder.Build();

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("at least one contact point", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_options_fail_the_start_before_any_connection()
    {
        using var host = Host(o => o.ReplicationFactor = 0);

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("at least one contact point", failure.Message, StringComparison.Ordinal);
        Assert.Contains("ReplicationFactor", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_cluster_fails_the_start()
    {
        // A loopback port nobody listens on.
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        using var host = Host(o =>
        {
            o.ContactPoints.Add($"127.0.0.1:{port}");
            o.ConnectTimeout = TimeSpan.FromSeconds(2);
        });

        var failure = await Assert.ThrowsAsync<CassandraException>(() => host.StartAsync(Ct));

        Assert.Equal(CassandraErrorKind.NoHostAvailable, failure.Kind);

        // The stores' start-up runs before every hosted service's own start: the engine never started on stores that
        // did not answer, so it did not log that it had.
        var logged = host.Services.GetFakeLogCollector().GetSnapshot();
        Assert.DoesNotContain(logged, record => record.Id.Id == EngineStartedEventId);
    }

    // A protocol test of the schema step against the scripted CQL peer (not a Cassandra node): it sends exactly the
    // statements of the schema, in order, on a connection that did not switch to the keyspace first.
    [Fact]
    public async Task The_schema_step_at_start_sends_the_schema_statements_in_order_then_opens_the_stores()
    {
        await using var peer = ScriptedCqlPeer.Start();
        using var host = Host(o =>
        {
            o.ContactPoints.Add(peer.ContactPoint);
            o.ConnectionsPerHost = 1;
            o.CreateSchemaAtStart = true;
            o.Keyspace = "chat";
            o.ReplicationFactor = 1;
        });
        var expected = CassandraSchema.Statements(new CassandraOptions { Keyspace = "chat", ReplicationFactor = 1 });

        var start = host.StartAsync(Ct);
        var received = new List<string>();
        while (received.Count < expected.Count)
        {
            var request = await peer.NextAsync();
            received.Add(request.Text);
            await request.ReplyAsync(new VoidResult());
        }

        // The stores' session then opens (the peer answers its USE itself): the start completes.
        await start;

        Assert.Equal(expected, received);
        Assert.Equal(2, peer.ReadyConnections);
        Assert.Contains(host.Services.GetFakeLogCollector().GetSnapshot(), record => record.Id.Id == EngineStartedEventId);
        await host.StopAsync(Ct);
    }

    private static IHost Host(Action<CassandraOptions> configure)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddFakeLogging();
        builder.Services.AddMessaging().UseCassandra(configure);
        return builder.Build();
    }
}
