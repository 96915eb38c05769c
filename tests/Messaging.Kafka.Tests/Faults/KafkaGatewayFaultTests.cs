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

        Task<ChatServer> StartAsync(string nodeId) => ChatServer.StartAsync(o =>
        {
            o.ConfigureMessaging = m => m.NodeId = nodeId;
            o.ConfigureServices = services =>
            {
                // The stores both gateways share (over the host's in-memory defaults); the transport is Kafka's.
                shared.ReplaceStores(services);
                services.AddMessaging().UseKafka(cluster.BootstrapServers);
            };
        }, Token);

        await using var gatewayA = await StartAsync("gateway-a-" + Guid.NewGuid().ToString("N"));
        await using var gatewayB = await StartAsync(receivingNode);
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
}
