using Messaging.Stores.Redis;
using Messaging.Transports.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Messaging.Kafka.Tests.Hosting;

public sealed class UseKafkaTests(KafkaFixture kafka)
{
    [Fact]
    public async Task UseKafka_replaces_only_the_transport_of_UseRedis()
    {
        await using var redis = await RedisServer.StartAsync();
        var services = new ServiceCollection();
        services.AddMessaging().UseRedis(redis.ConnectionString).UseKafka(kafka.BootstrapServers);
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IStartupValidator>().Validate();
        Assert.IsType<KafkaMessageTransport>(provider.GetRequiredService<IMessageTransport>());
        Assert.IsType<RedisMessageStore>(provider.GetRequiredService<IMessageStore>());
        Assert.Equal(kafka.BootstrapServers, provider.GetRequiredService<IOptions<KafkaTransportOptions>>().Value.BootstrapServers);
    }

    [Fact]
    public async Task UseKafka_alone_keeps_the_in_memory_stores()
    {
        var services = new ServiceCollection();
        services.AddMessaging().UseKafka(kafka.BootstrapServers);
        await using var provider = services.BuildServiceProvider();

        Assert.IsType<KafkaMessageTransport>(provider.GetRequiredService<IMessageTransport>());
        Assert.IsType<InMemoryMessageStore>(provider.GetRequiredService<IMessageStore>());
    }

    [Fact]
    public void UseKafka_without_bootstrap_servers_fails_validation_at_start()
    {
        var services = new ServiceCollection();
        services.AddMessaging().UseKafka(_ => { });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("BootstrapServers is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UseKafka_refuses_settings_the_guarantees_rest_on_and_bad_names_at_start()
    {
        var services = new ServiceCollection();
        services.AddMessaging().UseKafka(o =>
        {
            o.BootstrapServers = kafka.BootstrapServers;
            o.TopicPrefix = "bad_prefix";
            o.MaxInFlight = 0;
            o.ProducerSettings["acks"] = "1";
            o.ConsumerSettings["enable.auto.commit"] = "true";
        });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("TopicPrefix may contain only", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxInFlight must be between 1 and", error.Message, StringComparison.Ordinal);
        Assert.Contains("ProducerSettings must not set 'acks'", error.Message, StringComparison.Ordinal);
        Assert.Contains("ConsumerSettings must not set 'enable.auto.commit'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pass_through_settings_apply_over_the_defaults_but_never_over_the_fixed_ones()
    {
        var options = KafkaFixture.Options(kafka.BootstrapServers);
        options.ProducerSettings["linger.ms"] = "7";
        options.ConsumerSettings["fetch.wait.max.ms"] = "100";

        var producer = KafkaClientSettings.Producer(options);
        var consumer = KafkaClientSettings.Consumer(options, "node-1");

        Assert.Equal(7, producer.LingerMs);
        Assert.Equal(Confluent.Kafka.Acks.All, producer.Acks);
        Assert.True(producer.EnableIdempotence);
        Assert.Equal(100, consumer.FetchWaitMaxMs);
        Assert.False(consumer.EnableAutoCommit);
        Assert.Equal(KafkaNames.NodeGroup(options.TopicPrefix, "node-1"), consumer.GroupId);
    }

    [Fact]
    public void The_backplane_producer_does_not_linger_and_the_event_log_producer_lingers_1_ms()
    {
        // The engine sends a node one payload at a time (what queued meanwhile goes as one batch next), so a backplane
        // record has nothing of its partition to wait for; the event log's concurrent appends share requests.
        var backplane = KafkaClientSettings.Producer(KafkaFixture.Options(kafka.BootstrapServers));
        var eventLog = KafkaClientSettings.Producer(new KafkaEventLogOptions { BootstrapServers = kafka.BootstrapServers });

        Assert.Equal(0, backplane.LingerMs);
        Assert.Equal(1, eventLog.LingerMs);
        Assert.Equal(Confluent.Kafka.Acks.All, eventLog.Acks);
        Assert.True(eventLog.EnableIdempotence);
    }

    [Fact]
    public void Options_redact_secret_settings_when_printed()
    {
        var options = new KafkaTransportOptions { BootstrapServers = "127.0.0.1:9092" };
        options.ProducerSettings["sasl.password"] = "s3cret";
        options.ConsumerSettings["ssl.key.password"] = "k3y";

        var text = options.ToString();
        Assert.DoesNotContain("s3cret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("k3y", text, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:9092", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("node-1", "messaging.node.node-1")]
    [InlineData("a.b", "messaging.node.a_2Eb")]
    [InlineData("a_b", "messaging.node.a_5Fb")]
    [InlineData("[x]*", "messaging.node._5Bx_5D_2A")]
    [InlineData("é", "messaging.node._C3_A9")]
    public void Node_ids_map_to_distinct_legal_topic_names(string nodeId, string topic)
        => Assert.Equal(topic, KafkaNames.NodeTopic(KafkaTransportOptions.DefaultTopicPrefix, nodeId));

    [Fact]
    public void A_node_id_too_long_for_a_topic_name_is_hashed_into_one()
    {
        var topic = KafkaNames.NodeTopic(KafkaTransportOptions.DefaultTopicPrefix, new string('x', 300));

        Assert.True(topic.Length <= KafkaNames.MaxTopicLength);
        Assert.StartsWith(KafkaTransportOptions.DefaultTopicPrefix + "_h", topic, StringComparison.Ordinal);
        Assert.NotEqual(topic, KafkaNames.NodeTopic(KafkaTransportOptions.DefaultTopicPrefix, new string('x', 301)));
    }
}
