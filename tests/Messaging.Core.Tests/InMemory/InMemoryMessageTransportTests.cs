using System.Text;
using Xunit;

namespace Messaging.Tests.InMemory;

// Inline dispatch of the in-memory transport: what runs on the publishing thread, when the thread pool takes over,
// and the actor guarantees (one call at a time, order, disposal) on both paths.
public sealed class InMemoryMessageTransportTests
{
    private static readonly AsyncLocal<string?> Ambient = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Idle_inbox_handles_a_synchronous_payload_on_the_publishing_thread_before_publish_returns()
    {
        await using var transport = new InMemoryMessageTransport();
        var channel = "alice";
        var handledOn = new List<int>();
        await transport.OpenInboxAsync(channel, (envelope, _) =>
        {
            handledOn.Add(Environment.CurrentManagedThreadId);
            return ValueTask.CompletedTask;
        }, Token);

        var publish = transport.PublishAsync([channel], Payload(0), Token);

        Assert.True(publish.IsCompletedSuccessfully);
        Assert.Equal([Environment.CurrentManagedThreadId], handledOn);
    }

    [Fact]
    public async Task Inline_dispatch_to_a_synchronous_handler_allocates_nothing()
    {
        await using var transport = new InMemoryMessageTransport();
        var channel = "alice";
        var handled = 0;
        await transport.OpenInboxAsync(channel, (_, _) =>
        {
            handled++;
            return ValueTask.CompletedTask;
        }, Token);
        string[] channels = [channel];
        ReadOnlyMemory<byte> envelope = Payload(0);
        for (var i = 0; i < 100; i++)
        {
            await transport.PublishAsync(channels, envelope, Token);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            _ = transport.PublishAsync(channels, envelope, Token);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1_100, handled);
    }

    [Fact]
    public async Task Pending_handler_continues_asynchronously_and_later_payloads_queue_behind_it()
    {
        await using var transport = new InMemoryMessageTransport();
        var channel = "alice";
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = new List<string>();
        var allHandled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await transport.OpenInboxAsync(channel, async (envelope, _) =>
        {
            if (Text(envelope) == "user0")
            {
                await release.Task;
            }

            lock (handled)
            {
                handled.Add(Text(envelope));
                if (handled.Count == 3)
                {
                    allHandled.TrySetResult();
                }
            }
        }, Token);

        await transport.PublishAsync([channel], Payload(0), Token);   // pending: the subscription goes asynchronous
        await transport.PublishAsync([channel], Payload(1), Token);   // queued behind #0, not run inline
        await transport.PublishAsync([channel], Payload(2), Token);
        lock (handled)
        {
            Assert.Empty(handled);
        }

        release.SetResult();
        await allHandled.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.Equal(["user0", "user1", "user2"], handled);
    }

    [Fact]
    public async Task A_publish_drains_at_most_one_batch_inline_and_hands_the_rest_to_the_thread_pool()
    {
        await using var transport = new InMemoryMessageTransport();
        var channel = "alice";
        const int Queued = 100;
        var publisherThread = Environment.CurrentManagedThreadId;
        var publishing = 0;
        var inline = 0;
        var handled = new List<string>();
        var allHandled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await transport.OpenInboxAsync(channel, async (envelope, _) =>
        {
            if (Volatile.Read(ref publishing) == 1 && Environment.CurrentManagedThreadId == publisherThread)
            {
                inline++;
            }

            if (Text(envelope) == "user0")
            {
                // The subscription is busy with #0, so these queue behind it.
                for (var i = 1; i <= Queued; i++)
                {
                    await transport.PublishAsync([channel], Payload(i), CancellationToken.None);
                }
            }

            lock (handled)
            {
                handled.Add(Text(envelope));
                if (handled.Count == Queued + 1)
                {
                    allHandled.TrySetResult();
                }
            }
        }, Token);

        Volatile.Write(ref publishing, 1);
        await transport.PublishAsync([channel], Payload(0), Token);
        Volatile.Write(ref publishing, 0);

        await allHandled.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.Equal(InMemoryMessageTransport.InlineBatch, inline);
        Assert.Equal(Enumerable.Range(0, Queued + 1).Select(i => $"user{i}"), handled);
        Assert.Equal(0, transport.DroppedEnvelopes);
    }

    [Fact]
    public async Task Concurrent_publishers_each_keep_their_order_and_the_handler_never_overlaps_itself()
    {
        await using var transport = new InMemoryMessageTransport();
        var channel = "c1";
        const int Publishers = 4;
        const int PerPublisher = 2_000;
        var running = 0;
        var overlapped = false;
        var handled = new List<(string Publisher, string Index)>();
        var allHandled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await transport.OpenInboxAsync(channel, async (envelope, _) =>
        {
            overlapped |= Interlocked.Increment(ref running) > 1;
            var parts = Text(envelope).Split(':');
            var typing = (Publisher: parts[0], Index: parts[1]);

            // A mix of synchronous completions and real suspensions exercises both paths.
            if (typing.Index.EndsWith('7'))
            {
                await Task.Yield();
            }

            handled.Add(typing);
            Interlocked.Decrement(ref running);
            if (handled.Count == Publishers * PerPublisher)
            {
                allHandled.TrySetResult();
            }
        }, Token);

        using var start = new Barrier(Publishers);
        var publishers = Enumerable.Range(0, Publishers).Select(p => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait(Token);
                for (var i = 0; i < PerPublisher; i++)
                {
                    var publish = transport.PublishAsync([channel], Encoding.UTF8.GetBytes($"p{p}:{i}"), Token);
                    Assert.True(publish.IsCompletedSuccessfully);
                }
            },
            Token,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default));
        await Task.WhenAll(publishers);

        await allHandled.Task.WaitAsync(TimeSpan.FromSeconds(30), Token);
        Assert.False(overlapped, "the handler ran concurrently with itself");
        Assert.Equal(0, transport.DroppedEnvelopes);
        for (var p = 0; p < Publishers; p++)
        {
            Assert.Equal(
                Enumerable.Range(0, PerPublisher).Select(i => $"{i}"),
                handled.Where(e => e.Publisher == $"p{p}").Select(e => e.Index));
        }
    }

    [Fact]
    public async Task Handler_disposing_its_own_inbox_on_the_inline_path_completes_without_waiting_for_itself()
    {
        await using var transport = new InMemoryMessageTransport();
        var channel = "alice";
        var calls = 0;
        IAsyncDisposable? subscription = null;
        ValueTask disposal = default;
        subscription = await transport.OpenInboxAsync(channel, (_, _) =>
        {
            calls++;
            disposal = subscription!.DisposeAsync();
            return ValueTask.CompletedTask;
        }, Token);

        await transport.PublishAsync([channel], Payload(0), Token);
        Assert.True(disposal.IsCompleted, "disposing from inside the handler waited for the handler");
        await disposal;
        await transport.PublishAsync([channel], Payload(1), Token);

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Dispose_waits_for_the_handler_call_in_flight_and_no_call_follows()
    {
        await using var transport = new InMemoryMessageTransport();
        var channel = "alice";
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        var subscription = await transport.OpenInboxAsync(channel, async (_, _) =>
        {
            Interlocked.Increment(ref calls);
            entered.TrySetResult();
            await release.Task;
        }, Token);
        await transport.PublishAsync([channel], Payload(0), Token);
        await transport.PublishAsync([channel], Payload(1), Token);   // queued, discarded by the disposal
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);

        var disposal = subscription.DisposeAsync().AsTask();
        Assert.False(disposal.IsCompleted, "dispose returned while the handler still ran");
        release.SetResult();
        await disposal.WaitAsync(TimeSpan.FromSeconds(10), Token);
        await transport.PublishAsync([channel], Payload(2), Token);

        Assert.Equal(1, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task Handler_runs_in_the_openers_execution_context_not_the_publishers()
    {
        await using var transport = new InMemoryMessageTransport();
        var channel = "alice";
        string? seen = "unset";
        Ambient.Value = "subscriber";
        await transport.OpenInboxAsync(channel, (_, _) =>
        {
            seen = Ambient.Value;
            Ambient.Value = "changed by the handler";
            return ValueTask.CompletedTask;
        }, Token);

        Ambient.Value = "publisher";
        await transport.PublishAsync([channel], Payload(0), Token);

        Assert.Equal("subscriber", seen);
        Assert.Equal("publisher", Ambient.Value);
    }

    [Fact]
    public async Task A_synchronously_throwing_handler_is_isolated_on_the_inline_path()
    {
        await using var transport = new InMemoryMessageTransport();
        var channel = "alice";
        var handled = new List<string>();
        await transport.OpenInboxAsync(channel, (envelope, _) => Text(envelope) == "user0" ? throw new InvalidOperationException("subscriber failure") : Record(handled, envelope), Token);
        var other = new List<string>();
        await transport.OpenInboxAsync(channel, (envelope, _) => Record(other, envelope), Token);

        await transport.PublishAsync([channel], Payload(0), Token);
        await transport.PublishAsync([channel], Payload(1), Token);

        Assert.Equal(["user1"], handled);
        Assert.Equal(["user0", "user1"], other);
    }

    [Fact]
    public async Task Handlers_that_publish_to_each_others_nodes_from_two_threads_never_deadlock()
    {
        // Disposed only on success: disposal waits for handlers, which a deadlock would never finish.
        var transport = new InMemoryMessageTransport();
        const int Hops = 2_000;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = 0;

        // Each payload is a hop count: a node's handler sends it on to the other node, synchronously, until it is 0.
        async Task OpenAsync(string node, string other) => await transport.OpenInboxAsync(node, (payload, token) =>
        {
            var hops = BitConverter.ToInt32(payload.Span);
            if (hops == 0)
            {
                if (Interlocked.Increment(ref finished) == 2)
                {
                    done.TrySetResult();
                }

                return ValueTask.CompletedTask;
            }

            return transport.PublishAsync([other], BitConverter.GetBytes(hops - 1), token);
        }, Token);
        await OpenAsync("a", "b");
        await OpenAsync("b", "a");

        using var start = new Barrier(2);
        var chains = new[] { "a", "b" }.Select(node => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait(Token);
                _ = transport.PublishAsync([node], BitConverter.GetBytes(Hops), Token);
            },
            Token,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();

        await Task.WhenAll(chains).WaitAsync(TimeSpan.FromSeconds(30), Token);
        await done.Task.WaitAsync(TimeSpan.FromSeconds(30), Token);
        await transport.DisposeAsync();
    }

    private static ValueTask Record(List<string> into, ReadOnlyMemory<byte> payload)
    {
        into.Add(Text(payload));
        return ValueTask.CompletedTask;
    }

    private static byte[] Payload(int i) => Encoding.UTF8.GetBytes($"user{i}");

    private static string Text(ReadOnlyMemory<byte> payload) => Encoding.UTF8.GetString(payload.Span);
}
