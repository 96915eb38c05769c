using Messaging.Conformance;
using Messaging.Transports.Kafka;
using static Messaging.Kafka.Tests.Payloads;

namespace Messaging.Kafka.Tests.Backplane;

// The backplane's own behaviour beyond the transport laws: an inbox calls its handler one payload at a time in offset
// order also when the handler completes later, and does not wait for a handler that disposes its own inbox (nor call it
// again); a publish hands a payload that is all of its array to librdkafka as that array (librdkafka copies it before
// Produce returns) and any other slice as a copy of exactly its bytes.
public sealed class KafkaBackplaneTests(KafkaFixture kafka) : IAsyncLifetime
{
    private readonly KafkaMessageTransport _transport = new(KafkaFixture.Options(kafka.BootstrapServers));
    private readonly string _node = "node-" + Guid.NewGuid().ToString("N");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_handler_that_completes_later_still_gets_one_payload_at_a_time_in_order()
    {
        var running = 0;
        var overlapped = false;
        var inbox = new PayloadRecorder(async _ =>
        {
            overlapped |= Interlocked.Increment(ref running) > 1;
            await Task.Yield();
            await Task.Delay(1, Token);
            Interlocked.Decrement(ref running);
        });
        await using var open = await _transport.OpenInboxAsync(_node, inbox.HandleAsync, Token);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => _transport.PublishAsync([_node], Bytes($"m{i}"), Token).AsTask()));
        await inbox.WaitForAsync(20);

        Assert.False(overlapped, "two handler calls overlapped");
        Assert.Equal(20, inbox.Texts().Count);
    }

    [Fact]
    public async Task A_handler_that_disposes_its_own_inbox_is_not_called_again()
    {
        IAsyncDisposable? open = null;
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var disposed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        open = await _transport.OpenInboxAsync(_node, async (_, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                await opened.Task;
                await open!.DisposeAsync();
                disposed.TrySetResult();
            }
        }, Token);
        opened.TrySetResult();

        await _transport.PublishAsync([_node], Bytes("first"), Token);
        await disposed.Task.WaitAsync(TimeSpan.FromSeconds(30), Token);

        // Published after the handler returned from disposing: the inbox is gone, so nothing calls it again, while a
        // second inbox of the node reads both records.
        await _transport.PublishAsync([_node], Bytes("second"), Token);
        var probe = new PayloadRecorder();
        await using (await _transport.OpenInboxAfterAsync(_node, afterPosition: null, probe.HandleAsync, Token))
        {
            await probe.WaitForAsync(2);
        }

        Assert.Equal(["first", "second"], probe.Texts());
        Assert.Equal(1, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task A_slice_of_a_larger_array_arrives_as_exactly_its_bytes_and_a_reused_array_as_it_was_when_published()
    {
        var inbox = new PayloadRecorder();
        await using var open = await _transport.OpenInboxAsync(_node, inbox.HandleAsync, Token);
        byte[] buffer = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

        await _transport.PublishAsync([_node], buffer.AsMemory(2, 5), Token);
        await _transport.PublishAsync([_node], buffer.AsMemory(0, 9), Token);
        await _transport.PublishAsync([_node], buffer, Token);

        // The caller may reuse its array once the publish completed.
        buffer[0] = 42;
        await _transport.PublishAsync([_node], buffer, Token);

        await inbox.WaitForAsync(4);
        Assert.Equal([3, 4, 5, 6, 7], inbox.Received[0]);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9], inbox.Received[1]);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], inbox.Received[2]);
        Assert.Equal([42, 2, 3, 4, 5, 6, 7, 8, 9, 10], inbox.Received[3]);
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _transport.DisposeAsync();
}
