using System.Text;
using FsCheck.Fluent;
using Xunit;

namespace Messaging.Conformance;

/// <summary>
/// The laws of <see cref="IMessageTransport"/>: payloads reach the inboxes of the target nodes intact, inboxes are
/// literal node ids with no cross-talk, publish order per inbox, one handler call at a time per inbox, a throwing
/// handler isolated, nothing delivered after an inbox is closed; and, for adapters declaring
/// <see cref="AdapterCapabilities.Positions"/>, the laws of <see cref="IPositionedTransport"/>. Inherit and supply
/// <see cref="CreateAsync"/>.
/// </summary>
/// <remarks>
/// Capabilities read: <see cref="AdapterCapabilities.OrderedPerChannel"/>, <see cref="AdapterCapabilities.MultiNode"/>
/// (two instances from the factory are two nodes on one backplane), <see cref="AdapterCapabilities.Positions"/>.
/// </remarks>
public abstract class TransportConformanceTests : ConformanceSuite
{
    /// <summary>Creates a transport. With <see cref="AdapterCapabilities.MultiNode"/>, instances share one backplane.</summary>
    /// <returns>The transport under test.</returns>
    protected abstract ValueTask<IMessageTransport> CreateAsync();

    /// <summary>Law: any bytes (empty, large, every byte value) arrive in the inbox exactly as published.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Payloads_arrive_intact()
    {
        var transport = await NewTransportAsync();
        var node = NewId("node");
        var recorder = await OpenAsync(transport, node);
        var expected = new List<byte[]>();
        await Laws.CheckAsync(Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf(), async payload =>
        {
            expected.Add(payload);
            await transport.PublishAsync([node], payload, Token);
            await WaitForAsync(recorder.WhenCountAsync(expected.Count), $"{expected.Count} payloads");
            Assert.Equal(payload, recorder.Received[expected.Count - 1]);
        }, maxTest: 40);

        var large = new byte[256 * 1024];
        new Random(7).NextBytes(large);
        await transport.PublishAsync([node], large, Token);
        await WaitForAsync(recorder.WhenCountAsync(expected.Count + 1), "the large payload");
        Assert.Equal(large, recorder.Received[^1]);
    }

    /// <summary>Law: the inboxes of several nodes each receive exactly their payloads, in publish order.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Each_inbox_delivers_its_payloads_in_publish_order()
    {
        Require(Capabilities.OrderedPerChannel, nameof(AdapterCapabilities.OrderedPerChannel), "one publisher's payloads arrive in publish order per inbox.");
        var transport = await NewTransportAsync();

        // Each publish goes to a non-empty subset of three nodes.
        var publish = Gen.SubListOf(0, 1, 2).Where(s => s.Count > 0);
        await Laws.CheckAsync(publish.ListOf(), async publishes =>
        {
            var nodes = new[] { NewId("node"), NewId("node"), NewId("node") };
            var recorders = new List<PayloadRecorder>();
            var inboxes = new List<IAsyncDisposable>();
            foreach (var node in nodes)
            {
                var recorder = new PayloadRecorder();
                recorders.Add(recorder);
                inboxes.Add(await transport.OpenInboxAsync(node, recorder.HandleAsync, Token));
            }

            var expected = nodes.Select(_ => new List<byte[]>()).ToArray();
            for (var i = 0; i < publishes.Count; i++)
            {
                var payload = Bytes($"payload {i}");
                await transport.PublishAsync([.. publishes[i].Select(n => nodes[n])], payload, Token);
                foreach (var n in publishes[i])
                {
                    expected[n].Add(payload);
                }
            }

            for (var n = 0; n < nodes.Length; n++)
            {
                await WaitForAsync(recorders[n].WhenCountAsync(expected[n].Count), $"{expected[n].Count} payloads in {nodes[n]}");
                Assert.Equal(expected[n], recorders[n].Received);
            }

            foreach (var inbox in inboxes)
            {
                await inbox.DisposeAsync();
            }
        }, maxTest: 30);
    }

    /// <summary>Inboxes are addressed by the literal node id: no pattern matching, no prefix matching.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Inboxes_are_literal_with_no_cross_talk()
    {
        var transport = await NewTransportAsync();
        var id = NewId("a");
        var nodes = new[] { id, id + "*", id + "?", id + "x", id[..^1], id + ":" + id, "[" + id + "]" };
        var recorders = new List<PayloadRecorder>();
        foreach (var node in nodes)
        {
            recorders.Add(await OpenAsync(transport, node));
        }

        for (var round = 0; round < 2; round++)
        {
            foreach (var node in nodes)
            {
                await transport.PublishAsync([node], Bytes($"{node} {round}"), Token);
            }
        }

        // Each inbox's second payload proves any stray payload had time to arrive before it.
        for (var i = 0; i < nodes.Length; i++)
        {
            await WaitForAsync(recorders[i].WhenCountAsync(2), $"the payloads of {nodes[i]}");
            Assert.Equal([Bytes($"{nodes[i]} 0"), Bytes($"{nodes[i]} 1")], recorders[i].Received);
        }
    }

    /// <summary>A publish to several nodes reaches each inbox once; several inboxes of one node each get it.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Publish_to_several_nodes_reaches_every_inbox_once()
    {
        var transport = await NewTransportAsync();
        var (one, other) = (NewId("node"), NewId("node"));
        var first = await OpenAsync(transport, one);
        var second = await OpenAsync(transport, one);
        var third = await OpenAsync(transport, other);
        var payload = Bytes("payload");
        var marker = Bytes("marker");

        await transport.PublishAsync([one, other], payload, Token);
        await transport.PublishAsync([one, other], marker, Token);

        foreach (var recorder in new[] { first, second, third })
        {
            await WaitForAsync(recorder.WhenCountAsync(2), "the payload and the marker");
            Assert.Equal([payload, marker], recorder.Received);
        }
    }

    /// <summary>Publishing to a node whose inbox is not open succeeds; an inbox opened later gets later payloads.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Publish_to_a_node_without_an_open_inbox_succeeds()
    {
        var transport = await NewTransportAsync();
        var node = NewId("node");

        await transport.PublishAsync([node], Bytes("before"), Token);
        await transport.PublishAsync([], Bytes("nowhere"), Token);

        var recorder = await OpenAsync(transport, node);
        await transport.PublishAsync([node], Bytes("after"), Token);
        await WaitForAsync(recorder.WhenCountAsync(1), "the payload published after opening");
        Assert.Equal([Bytes("after")], recorder.Received);
    }

    /// <summary>After its inbox is closed a handler receives nothing, while another inbox of the node continues.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Closed_inbox_stops_receiving()
    {
        var transport = await NewTransportAsync();
        var node = NewId("node");
        var leaving = new PayloadRecorder();
        var inbox = await transport.OpenInboxAsync(node, leaving.HandleAsync, Token);
        var staying = await OpenAsync(transport, node);
        await transport.PublishAsync([node], Bytes("before"), Token);
        await WaitForAsync(leaving.WhenCountAsync(1), "the payload before closing");

        await inbox.DisposeAsync();
        await transport.PublishAsync([node], Bytes("after"), Token);
        await transport.PublishAsync([node], Bytes("marker"), Token);

        await WaitForAsync(staying.WhenCountAsync(3), "the remaining inbox's payloads");
        Assert.Equal([Bytes("before")], leaving.Received);
    }

    /// <summary>A handler that throws neither stops other inboxes nor its own later payloads.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Throwing_handler_does_not_stop_delivery()
    {
        var transport = await NewTransportAsync();
        var node = NewId("node");
        var poison = Bytes("poison");
        var throwing = new PayloadRecorder(p => p.AsSpan().SequenceEqual(poison) ? throw new InvalidOperationException("handler failure") : ValueTask.CompletedTask);
        Track(await transport.OpenInboxAsync(node, throwing.HandleAsync, Token));
        var healthy = await OpenAsync(transport, node);
        var good = Bytes("good");

        await transport.PublishAsync([node], poison, Token);
        await transport.PublishAsync([node], good, Token);

        await WaitForAsync(healthy.WhenCountAsync(2), "both payloads at the healthy inbox");
        await WaitForAsync(throwing.WhenCountAsync(1), "the payload after the failure at the throwing inbox");
        Assert.Equal([poison, good], healthy.Received);
        Assert.Equal([good], throwing.Received);
    }

    /// <summary>An inbox's handler is never called concurrently with itself.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Handler_is_called_one_payload_at_a_time()
    {
        var transport = await NewTransportAsync();
        var node = NewId("node");
        var running = 0;
        var overlapped = false;
        var recorder = new PayloadRecorder(async _ =>
        {
            overlapped |= Interlocked.Increment(ref running) > 1;
            await Task.Yield();
            Interlocked.Decrement(ref running);
        });
        Track(await transport.OpenInboxAsync(node, recorder.HandleAsync, Token));

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(() =>
            transport.PublishAsync([node], Bytes($"payload {i}"), Token).AsTask())));

        await WaitForAsync(recorder.WhenCountAsync(50), "50 payloads");
        Assert.False(overlapped, "the handler ran concurrently with itself");
    }

    /// <summary>A publish on one node reaches the inbox opened on another.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Publish_on_one_node_reaches_the_inbox_on_another()
    {
        Require(Capabilities.MultiNode, nameof(AdapterCapabilities.MultiNode), "a backplane connects transports in different processes.");
        var (a, b) = (await NewTransportAsync(), await NewTransportAsync());
        var node = NewId("node");
        var recorder = await OpenAsync(b, node);

        await a.PublishAsync([node], Bytes("hello"), Token);

        await WaitForAsync(recorder.WhenCountAsync(1), "the payload from the other node");
        Assert.Equal([Bytes("hello")], recorder.Received);
    }

    /// <summary>Law (positions): positions strictly increase in inbox order, and the handler sees the publish order.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Positions_strictly_increase_in_inbox_order()
    {
        var transport = await PositionedAsync();
        await Laws.CheckAsync(Gen.Choose(1, 20), async count =>
        {
            var node = NewId("node");
            var recorder = new PayloadRecorder();
            await using var inbox = await transport.OpenInboxAfterAsync(node, null, recorder.HandleAsync, Token);
            var payloads = Enumerable.Range(0, count).Select(i => Bytes($"p{i}")).ToArray();
            foreach (var payload in payloads)
            {
                await ((IMessageTransport)transport).PublishAsync([node], payload, Token);
            }

            await WaitForAsync(recorder.WhenCountAsync(count), $"{count} payloads");
            Assert.Equal(payloads, recorder.Received);
            var positions = recorder.Positions;
            Assert.All(positions.Zip(positions.Skip(1)), pair => Assert.True(pair.First < pair.Second, $"position {pair.Second} follows {pair.First}"));
        }, maxTest: 20);
    }

    /// <summary>
    /// Law (positions): a node that committed a position and closed its inbox gets, when it reopens after the committed
    /// position, exactly what followed it (including what was published while it was closed), then live payloads, with
    /// no gap and no repeat.
    /// </summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Reopened_inbox_resumes_after_the_committed_position()
    {
        var transport = await PositionedAsync();
        var publisher = (IMessageTransport)transport;
        await Laws.CheckAsync(Gen.Choose(1, 8).Two().Select(t => (Before: t.Item1, Handled: t.Item2)), async shape =>
        {
            var node = NewId("node");
            var before = Enumerable.Range(0, shape.Before).Select(i => Bytes($"before {i}")).ToArray();
            var handled = Math.Min(shape.Handled, before.Length);
            var first = new PayloadRecorder();
            var inbox = await transport.OpenInboxAfterAsync(node, null, first.HandleAsync, Token);
            foreach (var payload in before)
            {
                await publisher.PublishAsync([node], payload, Token);
            }

            await WaitForAsync(first.WhenCountAsync(before.Length), "the first payloads");
            await transport.CommitAsync(node, first.Positions[handled - 1], Token);
            await inbox.DisposeAsync();

            var whileClosed = Bytes("while closed");
            await publisher.PublishAsync([node], whileClosed, Token);
            Assert.Equal(first.Positions[handled - 1], await transport.GetCommittedAsync(node, Token));

            var second = new PayloadRecorder();
            await using var reopened = await transport.OpenInboxAfterAsync(node, await transport.GetCommittedAsync(node, Token), second.HandleAsync, Token);
            var live = Bytes("live");
            await publisher.PublishAsync([node], live, Token);

            var expected = before.Skip(handled).Append(whileClosed).Append(live).ToArray();
            await WaitForAsync(second.WhenCountAsync(expected.Length), $"{expected.Length} payloads after the reopen");
            Assert.Equal(expected, second.Received);
        }, maxTest: 20);
    }

    /// <summary>Positions: a node that never committed has no position, and a commit never moves backwards.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Commits_only_move_forward()
    {
        var transport = await PositionedAsync();
        var node = NewId("node");

        Assert.Null(await transport.GetCommittedAsync(node, Token));
        await transport.CommitAsync(node, 5, Token);
        await transport.CommitAsync(node, 3, Token);
        Assert.Equal(5, await transport.GetCommittedAsync(node, Token));
        await transport.CommitAsync(node, 9, Token);
        Assert.Equal(9, await transport.GetCommittedAsync(node, Token));
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private async Task<IPositionedTransport> PositionedAsync()
    {
        Require(Capabilities.Positions, nameof(AdapterCapabilities.Positions), "a restarted node resumes its inbox after the position it committed.");
        var transport = await NewTransportAsync();
        return transport as IPositionedTransport
            ?? throw new InvalidOperationException($"The adapter declares {nameof(AdapterCapabilities.Positions)} but {transport.GetType().Name} does not implement {nameof(IPositionedTransport)}.");
    }

    private async Task<PayloadRecorder> OpenAsync(IMessageTransport transport, string nodeId)
    {
        var recorder = new PayloadRecorder();
        Track(await transport.OpenInboxAsync(nodeId, recorder.HandleAsync, Token));
        return recorder;
    }

    private async Task<IMessageTransport> NewTransportAsync() => Track(await CreateAsync());
}
