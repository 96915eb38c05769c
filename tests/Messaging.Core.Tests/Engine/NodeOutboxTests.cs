using Xunit;

namespace Messaging.Tests.Engine;

public sealed class NodeOutboxTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task What_queues_for_a_node_while_a_publish_to_it_is_in_flight_goes_out_as_one_batch_in_order()
    {
        var transport = new HeldTransport();
        var outbox = new NodeOutbox(transport);
        var first = outbox.PublishAsync(["node-b"], Envelope(1), Ct);
        await transport.FirstStarted.WaitAsync(EngineHarness.Timeout, Ct);
        var queued = Enumerable.Range(2, 4).Select(i => outbox.PublishAsync(["node-b"], Envelope(i), Ct)).ToList();

        // Another node's lane is not held up by node-b's.
        await outbox.PublishAsync(["node-c"], Envelope(9), Ct).WaitAsync(EngineHarness.Timeout, Ct);
        Assert.All(queued, q => Assert.False(q.IsCompleted));

        transport.Release();
        await Task.WhenAll([first, .. queued]).WaitAsync(EngineHarness.Timeout, Ct);

        var toB = transport.Payloads.Where(p => p.Node == "node-b").Select(p => p.Envelopes).ToList();
        Assert.Equal([1, 4], toB.Select(p => p.Count));
        Assert.Equal([1L, 2L, 3L, 4L, 5L], toB.SelectMany(p => p).Select(e => ((MessageEnvelope)e.Envelope).Message.Seq));
    }

    [Fact]
    public async Task A_failed_batch_fails_every_publish_it_carried_and_the_lane_goes_on()
    {
        var transport = new HeldTransport();
        var outbox = new NodeOutbox(transport);
        var first = outbox.PublishAsync(["node-b"], Envelope(1), Ct);
        await transport.FirstStarted.WaitAsync(EngineHarness.Timeout, Ct);
        var queued = Enumerable.Range(2, 3).Select(i => outbox.PublishAsync(["node-b"], Envelope(i), Ct)).ToList();

        transport.FailNext = new InvalidOperationException("backplane down");
        transport.Release();
        await first.WaitAsync(EngineHarness.Timeout, Ct);
        foreach (var publish in queued)
        {
            var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => publish.WaitAsync(EngineHarness.Timeout, Ct));
            Assert.Equal("backplane down", failure.Message);
        }

        await outbox.PublishAsync(["node-b"], Envelope(5), Ct).WaitAsync(EngineHarness.Timeout, Ct);
        Assert.Equal(5L, ((MessageEnvelope)transport.Payloads[^1].Envelopes.Single().Envelope).Message.Seq);
    }

    private static byte[] Envelope(long seq) => EnvelopeCodec.Encode(new NodeEnvelope(
        Audience.Of(["bob"]),
        new MessageEnvelope(
            new Message { ConversationId = "c", Seq = seq, MessageId = $"m{seq}", SenderId = "alice", ClientMsgId = $"x{seq}", Content = "hi", Timestamp = DateTimeOffset.UnixEpoch },
            null)));

    // The in-memory backplane, recording every payload it is handed; the first publish to node-b waits until released,
    // and the next one can be made to fail.
    private sealed class HeldTransport : IMessageTransport
    {
        private readonly InMemoryMessageTransport _inner = new();
        private readonly TaskCompletionSource _firstStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<(string Node, List<NodeEnvelope> Envelopes)> _payloads = [];
        private int _calls;

        public Task FirstStarted => _firstStarted.Task;

        public Exception? FailNext { get; set; }

        public IReadOnlyList<(string Node, List<NodeEnvelope> Envelopes)> Payloads
        {
            get
            {
                lock (_payloads)
                {
                    return [.. _payloads];
                }
            }
        }

        public void Release() => _release.TrySetResult();

        public async ValueTask PublishAsync(IReadOnlyCollection<string> nodeIds, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
        {
            var envelopes = new List<NodeEnvelope>();
            EnvelopeCodec.DecodePayload(payload.Span, envelopes);
            var node = Assert.Single(nodeIds);
            if (node == "node-b" && Interlocked.Increment(ref _calls) == 1)
            {
                _firstStarted.TrySetResult();
                await _release.Task.ConfigureAwait(false);
            }
            else if (node == "node-b" && FailNext is { } failure)
            {
                FailNext = null;
                throw failure;
            }

            lock (_payloads)
            {
                _payloads.Add((node, envelopes));
            }

            await _inner.PublishAsync(nodeIds, payload, cancellationToken).ConfigureAwait(false);
        }

        public ValueTask<IAsyncDisposable> OpenInboxAsync(string nodeId, InboxHandler handler, CancellationToken cancellationToken = default)
            => _inner.OpenInboxAsync(nodeId, handler, cancellationToken);
    }
}
