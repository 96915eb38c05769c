using Messaging.Conformance;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Messaging.Tests.Engine;

/// <summary>
/// Routing by node: recipients on the sender's node skip the backplane, a read-path group message is one publish per
/// other node that follows the conversation, and a route cached before a connection registered elsewhere still gets
/// the message to it within the cache TTL.
/// </summary>
public sealed class NodeRoutingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_direct_message_between_two_users_on_one_node_makes_no_backplane_publish()
    {
        var transport = new CountingTransport(new InMemoryMessageTransport());
        await using var harness = await ClusterHarness.StartAsync(2, transport);
        var direct = await harness.CreateDirectAsync("alice", "bob");
        var (alice, aliceConnection) = await harness.ConnectAsync(0, "alice");
        var (bob, bobConnection) = await harness.ConnectAsync(0, "bob");

        var sent = await alice.SendAsync(EventWaits.Text(direct, "hi"), Ct);
        await bobConnection.WaitForMessagesAsync(direct, 1);
        await bob.AckUpToAsync(direct, sent.Message.Seq, ReceiptStatus.Read, Ct);
        await aliceConnection.WaitForStatusAsync(ReceiptStatus.Read, sent.Message.Seq);

        Assert.Empty(transport.Published);
    }

    [Fact]
    public async Task A_read_path_group_message_with_members_on_three_nodes_makes_one_publish_per_other_node()
    {
        var transport = new CountingTransport(new InMemoryMessageTransport());
        await using var harness = await ClusterHarness.StartAsync(3, transport, o => o.WritePathMaxMembers = 2);
        var group = await harness.CreateGroupAsync("alice", "bob", "carol", "dave", "erin");
        var (alice, _) = await harness.ConnectAsync(0, "alice");
        var (_, bob) = await harness.ConnectAsync(1, "bob");
        var (_, carol) = await harness.ConnectAsync(1, "carol");
        var (_, dave) = await harness.ConnectAsync(2, "dave");

        await alice.SendAsync(EventWaits.Text(group, "hello all"), Ct);
        foreach (var member in new[] { bob, carol, dave })
        {
            await member.WaitForMessagesAsync(group, 1);
        }

        // One envelope, encoded once, published once to each other node (each node has its own lane of publishes).
        var messages = transport.Published.Where(p => p.Envelope.Envelope is MessageEnvelope).ToList();
        Assert.Equal(2, messages.Count);
        Assert.Equal(new[] { harness.Nodes[1].NodeId, harness.Nodes[2].NodeId }.Order(), messages.SelectMany(p => p.Nodes).Order());
        Assert.All(messages, p => Assert.Equal(FollowTopic.Conversation(group), p.Envelope.Audience.Followers));
    }

    [Fact]
    public async Task A_stale_route_cache_and_a_new_connection_on_another_node_still_deliver_within_the_ttl_without_a_later_message()
    {
        var ttl = TimeSpan.FromSeconds(1);
        var transport = new CountingTransport(new InMemoryMessageTransport());
        await using var harness = await ClusterHarness.StartAsync(2, transport, o => o.RouteCacheTtl = ttl);
        var direct = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync(0, "alice");

        // Node 0 looks bob up while he is offline and caches that.
        await alice.SendAsync(EventWaits.Text(direct, "while offline"), Ct);
        var (_, bob) = await harness.ConnectAsync(1, "bob");
        await bob.WaitForMessagesAsync(direct, 1);

        // Within the TTL node 0 still routes with the stale entry: nothing goes to bob's node.
        await alice.SendAsync(EventWaits.Text(direct, "routed with a stale entry"), Ct);
        Assert.DoesNotContain(transport.Published, p => p.Envelope.Envelope is MessageEnvelope);

        // Once the TTL has passed since bob registered, his node catches him up from the store: no later message needed.
        harness.Time.Advance(ttl);
        await bob.WaitForMessagesAsync(direct, 2);
        Assert.Equal([1L, 2L], bob.Messages(direct).Select(m => m.Seq));

        // And the expired entry is read again: the next message crosses the backplane at once.
        await alice.SendAsync(EventWaits.Text(direct, "routed fresh"), Ct);
        await bob.WaitForMessagesAsync(direct, 3);
        Assert.Contains(transport.Published, p => p.Envelope.Envelope is MessageEnvelope && p.Nodes.Contains(harness.Nodes[1].NodeId));
    }

    [Fact]
    public async Task A_malformed_payload_in_a_nodes_inbox_is_logged_and_dropped_and_the_inbox_goes_on()
    {
        var logs = new RecordingLoggerProvider();
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s.AddLogging(b => b.AddProvider(logs)));
        var direct = await harness.CreateDirectAsync("alice", "bob");
        var (_, bob) = await harness.ConnectAsync("bob");
        var message = new Message
        {
            ConversationId = direct,
            Seq = 1,
            MessageId = "0190f1c2-7a3b-7c4d-8e5f-0123456789ab",
            SenderId = "alice",
            ClientMsgId = "c-1",
            Content = "after the garbage",
            Timestamp = harness.Time.GetUtcNow(),
        };
        await harness.Messages.AppendAsync(message, Ct);

        await harness.Transport.PublishAsync([harness.Engine.NodeId], new byte[] { 9, 0, 0, 1 }, Ct);
        await harness.Transport.PublishAsync([harness.Engine.NodeId], new byte[] { 1, 5 }, Ct);
        await harness.DeliverFromBackplaneAsync("bob", message);

        await bob.WaitForMessagesAsync(direct, 1);
        Assert.Equal(2, logs.Events.Count(e => e == 1211));
    }

    /// <summary>Records the event ids the engine logs.</summary>
    private sealed class RecordingLoggerProvider : ILoggerProvider, ILogger
    {
        private readonly Lock _gate = new();
        private readonly List<int> _events = [];

        public IReadOnlyList<int> Events
        {
            get
            {
                lock (_gate)
                {
                    return [.. _events];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_gate)
            {
                _events.Add(eventId.Id);
            }
        }

        public void Dispose()
        {
        }
    }

    /// <summary>A backplane that records every publish: the target nodes and the decoded envelope.</summary>
    private sealed class CountingTransport(IMessageTransport inner) : IMessageTransport
    {
        private readonly Lock _gate = new();
        private readonly List<(string[] Nodes, NodeEnvelope Envelope)> _published = [];

        public IReadOnlyList<(string[] Nodes, NodeEnvelope Envelope)> Published
        {
            get
            {
                lock (_gate)
                {
                    return [.. _published];
                }
            }
        }

        public ValueTask PublishAsync(IReadOnlyCollection<string> nodeIds, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
        {
            // One entry per envelope (a batch payload carries several).
            var envelopes = new List<NodeEnvelope>();
            EnvelopeCodec.DecodePayload(payload.Span, envelopes);
            lock (_gate)
            {
                _published.AddRange(envelopes.Select(e => (nodeIds.ToArray(), e)));
            }

            return inner.PublishAsync(nodeIds, payload, cancellationToken);
        }

        public ValueTask<IAsyncDisposable> OpenInboxAsync(string nodeId, InboxHandler handler, CancellationToken cancellationToken = default)
            => inner.OpenInboxAsync(nodeId, handler, cancellationToken);
    }
}
