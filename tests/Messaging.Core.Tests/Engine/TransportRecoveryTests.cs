using Messaging.Conformance;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Messaging.Tests.Engine;

/// <summary>
/// A backplane that lost payloads while its inboxes were down and says so when they are back
/// (<see cref="ISubscriptionRecoveringTransport"/>): the engine refills every local connection by itself. Sender and
/// recipient sit on two nodes, so their messages cross the backplane.
/// </summary>
public sealed class TransportRecoveryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(100)]
    [InlineData(1)]
    public async Task Messages_lost_while_the_backplane_was_down_reach_the_recipient_when_it_recovers_without_a_later_message(int writePathMaxMembers)
    {
        var transport = new InterruptibleTransport(new InMemoryMessageTransport());
        await using var harness = await ClusterHarness.StartAsync(2, transport, o => o.WritePathMaxMembers = writePathMaxMembers);
        var direct = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync(0, "alice");
        var (_, bob) = await harness.ConnectAsync(1, "bob");

        transport.Interrupted = true;
        await alice.SendAsync(EventWaits.Text(direct, "lost 1"), Ct);
        await alice.SendAsync(EventWaits.Text(direct, "lost 2"), Ct);
        transport.Interrupted = false;
        Assert.True(transport.Dropped >= 2);

        transport.RaiseSubscriptionsRestored();

        await bob.WaitForMessagesAsync(direct, 2);
        Assert.Equal([1L, 2L], bob.Messages(direct).Select(m => m.Seq));
    }

    [Fact]
    public async Task A_recovery_repeats_nothing_a_connection_already_has()
    {
        var transport = new InterruptibleTransport(new InMemoryMessageTransport());
        await using var harness = await ClusterHarness.StartAsync(2, transport);
        var direct = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync(0, "alice");
        var (_, bob) = await harness.ConnectAsync(1, "bob");
        await alice.SendAsync(EventWaits.Text(direct, "delivered live"), Ct);
        await bob.WaitForMessagesAsync(direct, 1);

        transport.Interrupted = true;
        await alice.SendAsync(EventWaits.Text(direct, "lost"), Ct);
        transport.Interrupted = false;
        transport.RaiseSubscriptionsRestored();
        transport.RaiseSubscriptionsRestored();
        await bob.WaitForMessagesAsync(direct, 2);

        // A message sent after both refills were queued arrives after them: had they repeated anything, it would show.
        await alice.SendAsync(EventWaits.Text(direct, "after"), Ct);
        await bob.WaitForMessagesAsync(direct, 3);
        Assert.Equal([1L, 2L, 3L], bob.Messages(direct).Select(m => m.Seq));
    }

    [Fact]
    public async Task After_a_recovery_a_node_records_its_connections_and_follows_again_so_later_messages_are_routed_to_it()
    {
        var transport = new InterruptibleTransport(new InMemoryMessageTransport());
        await using var harness = await ClusterHarness.StartAsync(2, transport, o => o.WritePathMaxMembers = 2);
        var direct = await harness.CreateDirectAsync("alice", "bob");
        var group = await harness.CreateGroupAsync("alice", "bob", "carol");
        var (alice, _) = await harness.ConnectAsync(0, "alice");
        var (_, bob) = await harness.ConnectAsync(1, "bob");
        var node = harness.Nodes[1].NodeId;

        // The outage took the directory's records with it (a Redis restarted without persistence).
        foreach (var connection in await harness.Directory.GetConnectionsAsync("bob", Ct))
        {
            await harness.Directory.UnregisterAsync(connection, Ct);
        }

        await harness.Directory.UnfollowAsync(node, [FollowTopic.Conversation(group)], Ct);
        transport.RaiseSubscriptionsRestored();

        await WaitUntilAsync(async () => (await harness.Directory.GetConnectionsAsync("bob", Ct)).Any(c => c.NodeId == node)
            && (await harness.Directory.GetFollowersAsync(FollowTopic.Conversation(group), Ct)).Contains(node));
        await alice.SendAsync(EventWaits.Text(direct, "to bob"), Ct);
        await alice.SendAsync(EventWaits.Text(group, "to the group"), Ct);
        await bob.WaitForMessagesAsync(direct, 1);
        await bob.WaitForMessagesAsync(group, 1);
    }

    [Fact]
    public async Task The_engine_stops_listening_to_the_backplane_when_disposed()
    {
        var transport = new InterruptibleTransport(new InMemoryMessageTransport());
        var harness = await EngineHarness.StartAsync(configureServices: services => services.AddSingleton<IMessageTransport>(transport));
        Assert.Equal(1, transport.Listeners);

        await harness.Engine.DisposeAsync();
        await harness.DisposeAsync();

        Assert.Equal(0, transport.Listeners);
    }

    // The directory is written by a background step of the recovery: wait for its effect.
    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(EngineHarness.Timeout);
        while (!await condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    /// <summary>A backplane that drops every payload while interrupted and reports its recovery when told to.</summary>
    private sealed class InterruptibleTransport(IMessageTransport inner) : IMessageTransport, ISubscriptionRecoveringTransport
    {
        private EventHandler? _restored;
        private int _dropped;
        private int _listeners;

        public event EventHandler? SubscriptionsRestored
        {
            add
            {
                _restored += value;
                Interlocked.Increment(ref _listeners);
            }

            remove
            {
                _restored -= value;
                Interlocked.Decrement(ref _listeners);
            }
        }

        public bool Interrupted { get; set; }

        public int Dropped => Volatile.Read(ref _dropped);

        public int Listeners => Volatile.Read(ref _listeners);

        public void RaiseSubscriptionsRestored() => _restored?.Invoke(this, EventArgs.Empty);

        public ValueTask PublishAsync(IReadOnlyCollection<string> nodeIds, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
        {
            if (Interrupted)
            {
                Interlocked.Add(ref _dropped, nodeIds.Count);
                return ValueTask.CompletedTask;
            }

            return inner.PublishAsync(nodeIds, payload, cancellationToken);
        }

        public ValueTask<IAsyncDisposable> OpenInboxAsync(string nodeId, InboxHandler handler, CancellationToken cancellationToken = default)
            => inner.OpenInboxAsync(nodeId, handler, cancellationToken);
    }
}
