using Messaging.Transports.Kafka;
using Messaging.Conformance;
using static Messaging.Kafka.Tests.Payloads;

namespace Messaging.Kafka.Tests.Faults;

// Faults injected into a private mock cluster (3 brokers) through librdkafka's mock API. In each test, "acknowledged"
// means the publish completed (every in-sync replica has the record); the receiving node's inbox must then get every
// acknowledged payload exactly once, in publish order. A marker published last proves that no stray copy of an earlier
// payload is still on its way when the inbox is compared. The mock cluster keeps everything in memory and forgets it
// when destroyed, so a restart here is a node's (a new transport instance), never the cluster's; a broker taken down
// keeps its leadership until SetPartitionLeader moves it; injected request errors are answered without writing.
public sealed class KafkaFaultTests : IAsyncLifetime
{
    private readonly KafkaMockCluster _cluster = KafkaFixture.StartCluster();
    private readonly string _node = "node-" + Guid.NewGuid().ToString("N");
    private readonly List<string> _acknowledged = [];
    private readonly PayloadRecorder _inbox = new();
    private KafkaMessageTransport? _publisher;
    private KafkaMessageTransport? _receiver;
    private IAsyncDisposable? _open;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string Topic => KafkaNames.NodeTopic(KafkaTransportOptions.DefaultTopicPrefix, _node);

    [Fact]
    public async Task Produce_request_errors_are_retried_without_loss_duplicates_or_reordering()
    {
        // One produce request on the wire at a time. The mock cluster checks the sequence numbers of transactional
        // producers only, so behind a failed request it writes the requests pipelined after it (a real broker refuses
        // them as out of order until the retry arrives), and librdkafka, seeing a later request succeed, counts the
        // failed one as written: the mock loses it. Publishes still wait in the transport's window together and share
        // requests; pipelining under faults the mock does model is the leader-change test's.
        var options = KafkaFixture.Options(_cluster.BootstrapServers);
        options.ProducerSettings["max.in.flight.requests.per.connection"] = "1";
        await using var publisher = new KafkaMessageTransport(options);
        await OpenInboxAsync();

        // Acknowledged one by one, then 20 in flight at once, each time behind a stack of retriable failures and
        // dropped connections (the mock writes nothing of a request it fails).
        _cluster.PushRequestErrors(KafkaApiKey.Produce, KafkaErrorCodes.NotLeaderOrFollower, KafkaErrorCodes.RequestTimedOut, KafkaErrorCodes.Transport, KafkaErrorCodes.NotEnoughReplicas);
        await PublishOneByOneAsync(publisher, 0, 20);
        _cluster.PushRequestErrors(KafkaApiKey.Produce, KafkaErrorCodes.Transport, KafkaErrorCodes.LeaderNotAvailable, KafkaErrorCodes.RequestTimedOut);
        await PublishConcurrentlyAsync(publisher, 20, 20);

        await AssertReceivedExactlyOnceInOrderAsync(publisher);
    }

    [Fact]
    public async Task Fetch_request_errors_neither_lose_nor_repeat_payloads()
    {
        await OpenInboxAsync();

        for (var round = 0; round < 3; round++)
        {
            _cluster.PushRequestErrors(KafkaApiKey.Fetch, KafkaErrorCodes.NotLeaderOrFollower, KafkaErrorCodes.Transport, KafkaErrorCodes.RequestTimedOut);
            await PublishOneByOneAsync(Publisher, round * 10, 10);
            await _inbox.WaitForAsync(_acknowledged.Count);
        }

        await AssertReceivedExactlyOnceInOrderAsync(Publisher);
    }

    [Fact]
    public async Task A_leader_broker_down_and_up_again_delays_publishes_but_loses_none()
    {
        await OpenInboxAsync();
        _cluster.SetPartitionLeader(Topic, KafkaNames.InboxPartition, 1);
        await PublishOneByOneAsync(Publisher, 0, 5);
        await _inbox.WaitForAsync(5);

        // The leader goes away (leadership does not move): these publishes wait in the producer, unacknowledged.
        _cluster.SetBrokerDown(1);
        var pending = Enumerable.Range(5, 10).Select(i => Publisher.PublishAsync([_node], Bytes($"m{i}"), Token).AsTask()).ToList();
        await Eventually.TrueAsync(() => Publisher.UnacknowledgedRecords == 10, "10 records waiting for the broker");
        Assert.All(pending, p => Assert.False(p.IsCompleted, "a publish was acknowledged while the leader was down"));

        _cluster.SetBrokerUp(1);
        await Task.WhenAll(pending);
        _acknowledged.AddRange(Enumerable.Range(5, 10).Select(i => $"m{i}"));

        await AssertReceivedExactlyOnceInOrderAsync(Publisher);
    }

    [Fact]
    public async Task A_leader_change_during_publishing_keeps_every_payload_in_order()
    {
        await OpenInboxAsync();
        _cluster.SetPartitionLeader(Topic, KafkaNames.InboxPartition, 1);

        // Leadership moves while publishes are in flight, twice; producer and consumer both follow it.
        var first = Enumerable.Range(0, 15).Select(i => Publisher.PublishAsync([_node], Bytes($"m{i}"), Token).AsTask()).ToList();
        _cluster.SetPartitionLeader(Topic, KafkaNames.InboxPartition, 2);
        var second = Enumerable.Range(15, 15).Select(i => Publisher.PublishAsync([_node], Bytes($"m{i}"), Token).AsTask()).ToList();
        _cluster.SetPartitionLeader(Topic, KafkaNames.InboxPartition, 3);
        await Task.WhenAll(first.Concat(second));
        _acknowledged.AddRange(Enumerable.Range(0, 30).Select(i => $"m{i}"));
        await PublishOneByOneAsync(Publisher, 30, 5);

        await AssertReceivedExactlyOnceInOrderAsync(Publisher);
    }

    [Fact]
    public async Task A_restarted_node_resumes_after_its_committed_position()
    {
        var before = new PayloadRecorder();
        var node = NewTransport();
        await using (node)
        {
            Assert.Null(await node.GetCommittedAsync(_node, Token));
            await using var open = await node.OpenInboxAfterAsync(_node, null, before.HandleAsync, Token);
            await PublishOneByOneAsync(Publisher, 0, 10);
            await before.WaitForAsync(10);
            Assert.Equal(_acknowledged, before.Texts());

            // The node handled all 10 but recorded only the first 6 before it went down.
            await node.CommitAsync(_node, before.Positions[5], Token);
        }

        // Acknowledged while the node is down.
        await PublishOneByOneAsync(Publisher, 10, 5);

        // A new process: nothing but Kafka remembers where the node was.
        await using var restarted = NewTransport();
        var committed = await restarted.GetCommittedAsync(_node, Token);
        Assert.Equal(before.Positions[5], committed);
        var after = new PayloadRecorder();
        await using var reopened = await restarted.OpenInboxAfterAsync(_node, committed, after.HandleAsync, Token);
        await Publisher.PublishAsync([_node], Bytes("marker"), Token);

        // Exactly what followed the committed position: nothing it had recorded, nothing lost, in order.
        await after.WaitForAsync(10);
        Assert.Equal([.. _acknowledged.Skip(6), "marker"], after.Texts());
        Assert.All(after.Positions, p => Assert.True(p > committed, $"position {p} is not after the committed {committed}"));
    }

    [Fact]
    public async Task A_full_in_flight_window_makes_publishers_wait_instead_of_buffering()
    {
        var options = KafkaFixture.Options(_cluster.BootstrapServers);
        options.MaxInFlight = 2;
        await using var publisher = new KafkaMessageTransport(options);
        await OpenInboxAsync();
        _cluster.SetPartitionLeader(Topic, KafkaNames.InboxPartition, 1);
        await PublishOneByOneAsync(publisher, 0, 1);
        _cluster.SetBrokerDown(1);

        // Two fill the window; the third waits for room before it reaches librdkafka at all.
        var pending = Enumerable.Range(1, 3).Select(i => publisher.PublishAsync([_node], Bytes($"m{i}"), Token).AsTask()).ToList();
        Assert.Equal(2, publisher.UnacknowledgedRecords);
        Assert.All(pending, p => Assert.False(p.IsCompleted, "a publish completed while the leader was down"));

        _cluster.SetBrokerUp(1);
        await Task.WhenAll(pending);
        _acknowledged.AddRange(["m1", "m2", "m3"]);

        await AssertReceivedExactlyOnceInOrderAsync(publisher);
    }

    // The publishing node, and the receiving node whose inbox the tests open.
    private KafkaMessageTransport Publisher => _publisher!;

    public ValueTask InitializeAsync()
    {
        _publisher = NewTransport();
        _receiver = NewTransport();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_open is not null)
        {
            await _open.DisposeAsync();
        }

        await _receiver!.DisposeAsync();
        await _publisher!.DisposeAsync();
        _cluster.Dispose();
    }

    private async Task OpenInboxAsync() => _open = await _receiver!.OpenInboxAsync(_node, _inbox.HandleAsync, Token);

    private KafkaMessageTransport NewTransport() => new(KafkaFixture.Options(_cluster.BootstrapServers));

    private async Task PublishOneByOneAsync(KafkaMessageTransport publisher, int from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            await publisher.PublishAsync([_node], Bytes($"m{i}"), Token);
            _acknowledged.Add($"m{i}");
        }
    }

    private async Task PublishConcurrentlyAsync(KafkaMessageTransport publisher, int from, int count)
    {
        // Called in order without waiting in between: their order is the call order.
        var pending = Enumerable.Range(from, count).Select(i => publisher.PublishAsync([_node], Bytes($"m{i}"), Token).AsTask()).ToList();
        await Task.WhenAll(pending);
        _acknowledged.AddRange(Enumerable.Range(from, count).Select(i => $"m{i}"));
    }

    private async Task AssertReceivedExactlyOnceInOrderAsync(KafkaMessageTransport publisher)
    {
        await publisher.PublishAsync([_node], Bytes("marker"), Token);
        await _inbox.WaitForAsync(_acknowledged.Count + 1);
        Assert.Equal([.. _acknowledged, "marker"], _inbox.Texts());
    }
}
