using Messaging.Conformance;
using Messaging.Protocol;
using Messaging.Transports.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Opening = Messaging.Conformance.PositionRecordingTransport.Opening;

namespace Messaging.Kafka.Tests.Faults;

// A gateway with a configured node id stopped and started again on the Kafka backplane of a private mock cluster
// (real Kestrel gateways, WebSocket clients over loopback, in-memory stores both share). Acknowledged: every message
// alice was told is sent. The restarted gateway opens its inbox after the offset it committed, reads what was
// published to it while it was down and no offset it had committed, and bob, connected to it, gets every acknowledged
// message exactly once, in seq order, also when the gateway reads payloads a second time.
public sealed class KafkaNodeRestartTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_gateway_restarted_with_its_node_id_resumes_after_its_committed_offset_and_its_client_gets_no_duplicate()
    {
        using var cluster = KafkaFixture.StartCluster();
        var shared = MessagingBackplane.InMemory(new InMemoryMessageTransport());
        var nodeB = "gateway-b-" + Guid.NewGuid().ToString("N");
        await using var probe = new KafkaMessageTransport(new KafkaTransportOptions { BootstrapServers = cluster.BootstrapServers });

        async Task<(ChatServer Server, Func<PositionRecordingTransport> Transport)> StartAsync(string nodeId)
        {
            PositionRecordingTransport? recorded = null;
            var server = await ChatServer.StartAsync(o =>
            {
                o.ConfigureMessaging = m =>
                {
                    m.NodeId = nodeId;
                    m.InboxCommitInterval = TimeSpan.FromMilliseconds(200);

                    // Every send reads the directory, so each message to bob goes over Kafka (a cached "bob is
                    // nowhere" would leave it to the catch-up from the store).
                    m.RouteCacheTtl = TimeSpan.Zero;
                };
                o.ConfigureServices = services =>
                {
                    // The stores both gateways share (over the host's in-memory defaults); the transport is Kafka's.
                    shared.ReplaceStores(services);
                    services.AddMessaging().UseKafka(cluster.BootstrapServers);

                    // The transport UseKafka configured, with what the engine does with its positions recorded.
                    services.AddSingleton<IMessageTransport>(sp => recorded = new PositionRecordingTransport(
                        new KafkaMessageTransport(sp.GetRequiredService<IOptions<KafkaTransportOptions>>().Value)));
                };
            }, Token);
            return (server, () => recorded ?? throw new InvalidOperationException("The gateway has no transport yet."));
        }

        var (gatewayA, _) = await StartAsync("gateway-a-" + Guid.NewGuid().ToString("N"));
        await using var closeA = gatewayA;
        var chat = (await gatewayA.Engine.CreateDirectConversationAsync("alice", "bob", Token)).View.Conversation.Id;
        await using var alice = await gatewayA.ConnectAsync("alice", cancellationToken: Token);
        await alice.WaitForAsync<SyncCompleteFrame>();
        var acknowledged = new List<string>();

        var (gatewayB, firstLife) = await StartAsync(nodeB);
        await using (gatewayB)
        {
            Assert.Equal(new Opening(nodeB, null, Live: false), Assert.Single(firstLife().Openings));
            await using var bob = await gatewayB.ConnectAsync("bob", cancellationToken: Token);
            await bob.WaitForAsync<SyncCompleteFrame>();
            await SendAsync(alice, chat, acknowledged, 0, 3);
            await bob.WaitForAsync<MessageFrame>(m => m.Message.Seq == 3, Timeout);
            Assert.NotEmpty(firstLife().Handled(nodeB));
        }

        // Stopped: it committed the last offset it handled.
        var lastHandled = firstLife().Handled(nodeB)[^1].Position;
        Assert.Equal(lastHandled, await probe.GetCommittedAsync(nodeB, Token));

        // While it is down, bob's directory entry outlives it (as a crashed gateway's does until its lease lapses), so
        // gateway A publishes his messages to gateway B's topic.
        await shared.Directory.RegisterAsync(new DeviceConnection("bob", "web", "bob-before-restart", nodeB), Token);
        await SendAsync(alice, chat, acknowledged, 3, 2);

        var (restarted, secondLife) = await StartAsync(nodeB);
        await using (restarted)
        {
            // Opened after its committed offset: the next offset is the first it reads, and nothing before it.
            Assert.Equal(new Opening(nodeB, lastHandled, Live: false), Assert.Single(secondLife().Openings));
            await Eventually.TrueAsync(() => secondLife().Handled(nodeB).Count > 0, "the payloads published while the gateway was down", Timeout);
            Assert.Equal(lastHandled + 1, secondLife().Handled(nodeB)[0].Position);
            Assert.All(secondLife().Handled(nodeB), h => Assert.True(h.Position > lastHandled, $"offset {h.Position} was committed before the restart"));
            await Eventually.TrueAsync(async () => await probe.GetCommittedAsync(nodeB, Token) == secondLife().Handled(nodeB)[^1].Position, "the restarted gateway's commit");

            await using var bob = await restarted.ConnectAsync("bob", cancellationToken: Token);
            await bob.WaitForAsync<SyncCompleteFrame>();

            // Everything the gateway read in both its lives, in its topic again while bob is connected (what a gateway
            // that crashed before its commit reads again), then one more message behind it.
            foreach (var handled in firstLife().Handled(nodeB).Concat(secondLife().Handled(nodeB)))
            {
                await probe.PublishAsync([nodeB], handled.Payload, Token);
            }

            await SendAsync(alice, chat, acknowledged, 5, 1);
            await bob.WaitForAsync<MessageFrame>(m => m.Message.Seq == 6, Timeout);
            await bob.RoundTripAsync();

            // Catch-up, then live: every acknowledged message once, in seq order, and the copies dropped.
            var received = bob.Frames.OfType<MessageFrame>().Select(m => m.Message).ToList();
            Assert.Equal(acknowledged, received.Select(m => m.MessageId));
            Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), received.Select(m => m.Seq));
        }
    }

    private static async Task SendAsync(ProtocolTestClient alice, string chat, List<string> acknowledged, int from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            var clientMsgId = $"cmid-{i}";
            await alice.SendAsync(new SendMessageFrame(chat, $"m{i}", clientMsgId));
            acknowledged.Add((await alice.WaitForAsync<StatusUpdateFrame>(s => s.ClientMsgId == clientMsgId && s.Status == DeliveryStatus.Sent)).MessageId);
        }
    }
}
