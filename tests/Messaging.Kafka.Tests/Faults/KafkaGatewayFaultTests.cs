using Confluent.Kafka;
using Messaging.Conformance;
using Messaging.Protocol;
using Messaging.Transports.Kafka;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Kafka.Tests.Faults;

// Two real gateways (Kestrel, WebSocket clients over loopback) on the Kafka backplane of a private mock cluster,
// sharing in-memory stores, while produce and fetch requests fail and the receiving node's inbox changes leader.
public sealed class KafkaGatewayFaultTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Messages_acknowledged_as_sent_reach_the_other_gateway_once_and_in_order_through_broker_faults()
    {
        using var cluster = KafkaFixture.StartCluster();
        // The stores both gateways share; each gateway gets its own Kafka transport from UseKafka.
        var shared = MessagingBackplane.InMemory(new InMemoryMessageTransport());
        var receivingNode = "gateway-b-" + Guid.NewGuid().ToString("N");
        await using var gatewayA = await StartGatewayAsync(shared, cluster, "gateway-a-" + Guid.NewGuid().ToString("N"));
        await using var gatewayB = await StartGatewayAsync(shared, cluster, receivingNode);
        Assert.IsType<KafkaMessageTransport>(gatewayB.Services.GetRequiredService<IMessageTransport>());
        var chat = (await gatewayA.Engine.CreateDirectConversationAsync("alice", "bob", Token)).View.Conversation.Id;
        await using var alice = await gatewayA.ConnectAsync("alice", cancellationToken: Token);
        await using var bob = await gatewayB.ConnectAsync("bob", cancellationToken: Token);
        await alice.WaitForAsync<SyncCompleteFrame>();
        await bob.WaitForAsync<SyncCompleteFrame>();

        // What was acknowledged: each message alice was told is sent (stored, then published to gateway B).
        var acknowledged = new List<StatusUpdateFrame>();
        cluster.PushRequestErrors(KafkaApiKey.Produce, KafkaErrorCodes.NotLeaderOrFollower, KafkaErrorCodes.Transport, KafkaErrorCodes.RequestTimedOut);
        cluster.PushRequestErrors(KafkaApiKey.Fetch, KafkaErrorCodes.Transport, KafkaErrorCodes.NotLeaderOrFollower);
        for (var i = 0; i < 20; i++)
        {
            if (i == 10)
            {
                cluster.SetPartitionLeader(KafkaNames.NodeTopic(KafkaTransportOptions.DefaultTopicPrefix, receivingNode), KafkaNames.InboxPartition, 2);
                cluster.PushRequestErrors(KafkaApiKey.Produce, KafkaErrorCodes.Transport, KafkaErrorCodes.NotEnoughReplicas);
            }

            var clientMsgId = $"cmid-{i}";
            await alice.SendAsync(new SendMessageFrame(chat, $"m{i}", clientMsgId));
            acknowledged.Add(await alice.WaitForAsync<StatusUpdateFrame>(s => s.ClientMsgId == clientMsgId && s.Status == DeliveryStatus.Sent));
        }

        // Every acknowledged message exactly once on bob's connection, in seq order, and nothing else.
        await bob.WaitForAsync<MessageFrame>(m => m.Message.Seq == 20, TimeSpan.FromSeconds(30));
        await bob.RoundTripAsync();
        var received = bob.Frames.OfType<MessageFrame>().Select(m => m.Message).ToList();
        Assert.Equal(acknowledged.Select(s => s.MessageId), received.Select(m => m.MessageId));
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), received.Select(m => m.Seq));
    }
    [Fact]
    public async Task Envelopes_the_broker_wrote_twice_reach_the_client_once()
    {
        // Gateway B's inbox leader carries out the next two produce requests at once but answers them 2 s later, after
        // gateway A's socket timeout of 500 ms, so A sends the request again (and a third time). The mock cluster does not check an idempotent
        // producer's sequence numbers unless it is transactional (a real broker would drop the copy), so the inbox
        // really holds copies: what the engine must drop by seq on the way to the client.
        using var cluster = KafkaFixture.StartCluster();
        var shared = MessagingBackplane.InMemory(new InMemoryMessageTransport());
        var receivingNode = "gateway-b-" + Guid.NewGuid().ToString("N");
        var inbox = KafkaNames.NodeTopic(KafkaTransportOptions.DefaultTopicPrefix, receivingNode);
        await using var gatewayA = await StartGatewayAsync(shared, cluster, "gateway-a-" + Guid.NewGuid().ToString("N"), socketTimeoutMs: 500);
        await using var gatewayB = await StartGatewayAsync(shared, cluster, receivingNode);
        var chat = (await gatewayA.Engine.CreateDirectConversationAsync("alice", "bob", Token)).View.Conversation.Id;
        await using var alice = await gatewayA.ConnectAsync("alice", cancellationToken: Token);
        await using var bob = await gatewayB.ConnectAsync("bob", cancellationToken: Token);
        await alice.WaitForAsync<SyncCompleteFrame>();
        await bob.WaitForAsync<SyncCompleteFrame>();
        cluster.SetPartitionLeader(inbox, KafkaNames.InboxPartition, 1);
        await alice.SendAsync(new SendMessageFrame(chat, "m1", "cmid-1"));
        await bob.WaitForAsync<MessageFrame>(m => m.Message.Seq == 1);

        cluster.DelayNextAnswers(1, KafkaApiKey.Produce, count: 2, TimeSpan.FromSeconds(2));
        for (var i = 2; i <= 4; i++)
        {
            await alice.SendAsync(new SendMessageFrame(chat, $"m{i}", $"cmid-{i}"));
        }

        await alice.WaitForAsync<StatusUpdateFrame>(s => s.ClientMsgId == "cmid-4" && s.Status == DeliveryStatus.Sent, TimeSpan.FromSeconds(30));

        // `sent` comes before a message's envelope is on its way (and the gateway has all three sends in flight at
        // once), so the copies are awaited in the inbox itself.
        await Eventually.TrueAsync(
            () =>
            {
                var records = ReadRecords(cluster, inbox);
                return records.Distinct(StringComparer.Ordinal).Count() < records.Count;
            },
            "a copy of a record in the inbox",
            TimeSpan.FromSeconds(30));
        await alice.SendAsync(new SendMessageFrame(chat, "m5", "cmid-5"));

        await bob.WaitForAsync<MessageFrame>(m => m.Message.Seq == 5, TimeSpan.FromSeconds(30));
        await bob.RoundTripAsync();
        Assert.Equal([1L, 2, 3, 4, 5], bob.Frames.OfType<MessageFrame>().Select(m => m.Message.Seq));
    }

    // A gateway on the Kafka backplane of the cluster, with the stores both gateways share.
    private static Task<ChatServer> StartGatewayAsync(MessagingBackplane shared, KafkaMockCluster cluster, string nodeId, int? socketTimeoutMs = null)
        => ChatServer.StartAsync(o =>
        {
            o.ConfigureMessaging = m => m.NodeId = nodeId;
            o.ConfigureServices = services =>
            {
                // The stores both gateways share (over the host's in-memory defaults); the transport is Kafka's.
                shared.ReplaceStores(services);
                services.AddMessaging().UseKafka(k =>
                {
                    k.BootstrapServers = cluster.BootstrapServers;
                    if (socketTimeoutMs is { } timeout)
                    {
                        k.ProducerSettings["socket.timeout.ms"] = timeout.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    }
                });
            };
        }, Token);

    // The records of a node's inbox partition (as Base64), read from the start to its end by a consumer of its own.
    private static List<string> ReadRecords(KafkaMockCluster cluster, string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "inbox-reader-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, KafkaNames.InboxPartition, Offset.Beginning));
        var records = new List<string>();
        while (consumer.Consume(TimeSpan.FromSeconds(10)) is { } result)
        {
            if (result.IsPartitionEOF)
            {
                return records;
            }

            records.Add(Convert.ToBase64String(result.Message.Value));
        }

        throw new TimeoutException($"Reading {topic} found no end within 10 s.");
    }
}
