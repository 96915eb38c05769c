using Xunit;

namespace Messaging.Tests.Engine;

public sealed class FlowControlTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_backlog_larger_than_the_connection_queue_is_paced_not_aborted_and_arrives_in_order()
    {
        const int Backlog = 20_000;
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        await alice.SendTextsAsync(conversation, Backlog);

        await using var connection = new FlowControlledClientConnection(capacity: 64);
        await harness.ConnectAsync("bob", "phone", connection);
        var finished = await Task.WhenAny(connection.SyncCompleted, connection.Aborted).WaitAsync(TimeSpan.FromMinutes(2), Ct);

        Assert.False(connection.Aborted.IsCompleted, "the connection was aborted as a slow consumer");
        Assert.Same(connection.SyncCompleted, finished);
        Assert.Equal(Enumerable.Range(1, Backlog).Select(i => (long)i), connection.Received.Messages(conversation).Select(m => m.Seq));
    }

    [Fact]
    public async Task A_flow_controlled_connection_that_never_reads_is_aborted_once_the_engines_queue_is_full()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        await using var stuck = new FlowControlledClientConnection(capacity: 1, consume: false);
        await harness.ConnectAsync("bob", "phone", stuck);

        // Live messages pile up in the engine's bounded queue while its worker waits for room that never comes.
        for (var i = 0; i < 10_000 && !stuck.Aborted.IsCompleted; i++)
        {
            await alice.SendAsync(EventWaits.Text(conversation, $"live {i}"), Ct);
        }

        Assert.Equal("slow consumer", await stuck.Aborted.WaitAsync(EngineHarness.Timeout, Ct));
    }

    [Fact]
    public async Task A_connection_without_flow_control_and_a_full_queue_is_still_aborted_as_a_slow_consumer()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        await alice.SendTextsAsync(conversation, 10);

        var slow = new BoundedClientConnection(capacity: 4);
        await harness.ConnectAsync("bob", "phone", slow);

        Assert.Equal("slow consumer", await slow.Aborted.WaitAsync(EngineHarness.Timeout, Ct));
    }
}
