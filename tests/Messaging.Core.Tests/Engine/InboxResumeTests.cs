using Messaging.Conformance;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using Opening = Messaging.Conformance.PositionRecordingTransport.Opening;

namespace Messaging.Tests.Engine;

/// <summary>
/// A node with a configured id on a backplane that keeps positions (the in-memory transport here, Kafka in its own
/// tests) resumes its inbox where it left off: what was published to it while it was down is read, what it committed
/// is not read again, positions are committed once per interval rather than per payload, and what it reads twice never
/// reaches a client twice. A node whose id is generated opens its inbox at the end, as before.
/// </summary>
public sealed class InboxResumeTests
{
    private static readonly TimeSpan CommitInterval = TimeSpan.FromSeconds(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_restarted_node_reads_what_was_published_while_it_was_down_and_nothing_it_committed()
    {
        await using var chat = await StartChatAsync();
        var (transport, harness, node, direct, alice, bob) = chat;
        Assert.Equal(new Opening(node, null, Live: false), Assert.Single(transport.Openings, o => o.NodeId == node));

        // Nothing is committed per payload; once the interval passed, the last handled position is, in one commit.
        Assert.Empty(transport.Commits(node));
        harness.Time.Advance(CommitInterval);
        await EventWaits.UntilAsync(() => transport.Commits(node).Count > 0, "the first commit");
        Assert.Equal([transport.Handled(node)[^1].Position], transport.Commits(node));

        // Handled, not committed by the loop yet: stopping commits it.
        await alice.SendTextsAsync(direct, 1, "late");
        await bob.WaitForMessagesAsync(direct, 4);
        var handledBefore = transport.Handled(node);
        var lastHandled = handledBefore[^1].Position;
        await harness.RestartAsync(1, async () =>
        {
            Assert.Equal(lastHandled, await transport.GetCommittedAsync(node, Ct));

            // A node that went away leaves its directory entries until their lease lapses, so bob's messages are
            // still routed to it while it is down.
            await harness.Directory.RegisterAsync(new DeviceConnection("bob", "phone", "bob-before-restart", node), Ct);
            await alice.SendTextsAsync(direct, 2, "while down");
        });

        // Opened after what it committed; reads exactly the payloads published meanwhile, in order, and no earlier one.
        Assert.Equal(new Opening(node, lastHandled, Live: false), transport.Openings.Where(o => o.NodeId == node).Last());
        await EventWaits.UntilAsync(() => WhileDownContents(transport.Handled(node).Skip(handledBefore.Count)).Count == 2, "the payloads published while the node was down");
        var resumed = transport.Handled(node).Skip(handledBefore.Count).ToList();
        Assert.All(resumed, h => Assert.True(h.Position > lastHandled, $"position {h.Position} was committed before the restart"));
        Assert.Equal(resumed.Select(h => h.Position).Order(), resumed.Select(h => h.Position));
        Assert.Equal(["while down0", "while down1"], WhileDownContents(resumed));

        // And the restarted node commits where it got to.
        harness.Time.Advance(CommitInterval);
        await EventWaits.UntilAsync(() => transport.Commits(node)[^1] == resumed[^1].Position, "the restarted node's commit");
    }

    [Fact]
    public async Task A_client_of_the_restarted_node_gets_each_message_once_when_the_node_reads_payloads_again()
    {
        await using var chat = await StartChatAsync();
        var (transport, harness, node, direct, alice, _) = chat;
        await harness.RestartAsync(1, async () =>
        {
            await harness.Directory.RegisterAsync(new DeviceConnection("bob", "phone", "bob-before-restart", node), Ct);
            await alice.SendTextsAsync(direct, 2, "while down");
        });
        await EventWaits.UntilAsync(() => WhileDownContents(transport.Handled(node)).Count == 2, "the payloads published while the node was down");
        var (_, bobAgain) = await harness.ConnectAsync(1, "bob");

        // Everything the node read in both its lives, read again while bob is connected (what a node that crashed
        // before its commit does with its uncommitted tail), then one new message behind it.
        foreach (var handled in transport.Handled(node))
        {
            await transport.PublishAsync([node], handled.Payload, Ct);
        }

        await alice.SendTextsAsync(direct, 1, "after");
        await bobAgain.WaitForAsync(events => events.Messages(direct).Any(m => m.Content == "after0"));

        // Each message once, in seq order, up to the new one: the connection's cursor dropped every seq it already had.
        var seqs = bobAgain.Messages(direct).Select(m => m.Seq).ToList();
        Assert.InRange(seqs[0], 1, 4);
        Assert.Equal(Enumerable.Range((int)seqs[0], 7 - (int)seqs[0]).Select(i => (long)i), seqs);
    }

    [Fact]
    public async Task A_node_with_a_generated_id_opens_its_inbox_at_the_end_and_commits_nothing()
    {
        await using var transport = new PositionRecordingTransport(new InMemoryMessageTransport());
        await using var harness = await EngineHarness.StartAsync(
            o => o.InboxCommitInterval = CommitInterval,
            services => services.AddSingleton<IMessageTransport>(transport));
        var node = harness.Engine.NodeId;
        var direct = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (_, bob) = await harness.ConnectAsync("bob");
        await harness.DeliverFromBackplaneAsync("bob", (await alice.SendTextsAsync(direct, 1))[0]);
        await bob.WaitForMessagesAsync(direct, 1);
        harness.Time.Advance(CommitInterval);

        Assert.Equal(new Opening(node, null, Live: true), Assert.Single(transport.Openings));
        Assert.Null(await transport.GetCommittedAsync(node, Ct));
    }

    // Alice on node 0 and bob on node 1 (the one restarted), with three messages from alice that bob received.
    private static async Task<Chat> StartChatAsync()
    {
        var transport = new PositionRecordingTransport(new InMemoryMessageTransport());
        var harness = await ClusterHarness.StartAsync(2, transport, o => o.InboxCommitInterval = CommitInterval);
        var direct = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync(0, "alice");
        var (_, bob) = await harness.ConnectAsync(1, "bob");
        await alice.SendTextsAsync(direct, 3);
        await bob.WaitForMessagesAsync(direct, 3);
        return new Chat(transport, harness, harness.Nodes[1].NodeId, direct, alice, bob);
    }

    private static List<string> WhileDownContents(IEnumerable<PositionRecordingTransport.Handling> handled)
    {
        var envelopes = new List<NodeEnvelope>();
        foreach (var payload in handled)
        {
            EnvelopeCodec.DecodePayload(payload.Payload, envelopes);
        }

        return [.. envelopes.Select(e => e.Envelope).OfType<MessageEnvelope>().Select(m => m.Message.Content).Where(c => c.StartsWith("while down", StringComparison.Ordinal))];
    }

    private sealed record Chat(PositionRecordingTransport Transport, ClusterHarness Harness, string Node, string Direct, MessagingSession Alice, RecordingClientConnection Bob) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Harness.DisposeAsync();
            await Transport.DisposeAsync();
        }
    }
}
