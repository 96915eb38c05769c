using System.Threading.Channels;
using Messaging.Transports.Redis;
using StackExchange.Redis;
using Xunit;

namespace Messaging.Redis.Tests.Transport;

// Redis-only facts of the backplane; the role's laws run in RedisTransportConformanceTests.
public sealed class RedisMessageTransportTests(RedisFixture redis)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void Inbox_channels_are_literal_and_named_by_node()
    {
        Assert.Equal("messaging:node:n1", RedisChannels.NodeName("n1"));
        Assert.False(RedisChannels.Node("a*").IsPattern);
        Assert.Equal("messaging:dir:follow:conv:c1", (string?)RedisChannels.DirectoryFollowers(FollowTopic.Conversation("c1")));
        Assert.Equal("messaging:dir:follow:presence:alice", (string?)RedisChannels.DirectoryFollowers(FollowTopic.Presence("alice")));
    }

    [Fact]
    public async Task Publish_sends_the_same_bytes_to_the_inbox_channel_of_every_target_node()
    {
        var multiplexer = redis.Multiplexer;
        await using var transport = new RedisMessageTransport(multiplexer);
        byte[] payload = [1, 0, 0, 3, 0xFF, 0x00, 0x7F];
        string[] nodes = [NewId("node"), NewId("node"), NewId("node")];
        var received = Channel.CreateUnbounded<(string Channel, byte[] Payload)>();
        var subscriber = multiplexer.GetSubscriber();
        foreach (var node in nodes)
        {
            await subscriber.SubscribeAsync(RedisChannels.Node(node), (c, v) => received.Writer.TryWrite((c.ToString(), (byte[])v!)));
        }

        try
        {
            await transport.PublishAsync(nodes, payload, Token);

            var names = new List<string>();
            for (var i = 0; i < nodes.Length; i++)
            {
                var (name, bytes) = await received.Reader.ReadAsync(Token).AsTask().WaitAsync(Timeout, Token);
                names.Add(name);
                Assert.Equal(payload, bytes);
            }

            Assert.Equal(nodes.Select(RedisChannels.NodeName).Order(), names.Order());
        }
        finally
        {
            foreach (var node in nodes)
            {
                await subscriber.UnsubscribeAsync(RedisChannels.Node(node));
            }
        }
    }

    [Fact]
    public async Task A_full_inbox_queue_drops_and_counts_instead_of_growing()
    {
        var multiplexer = redis.Multiplexer;
        await using var transport = new RedisMessageTransport(multiplexer, subscriptionQueueCapacity: 1);
        var node = NewId("node");
        var release = new TaskCompletionSource();
        var handled = 0;
        var firstEntered = new TaskCompletionSource();
        await using var inbox = await transport.OpenInboxAsync(
            node,
            async (_, _) =>
            {
                firstEntered.TrySetResult();
                await release.Task;
                Interlocked.Increment(ref handled);
            },
            Token);

        await transport.PublishAsync([node], new byte[] { 1 }, Token);
        await firstEntered.Task.WaitAsync(Timeout, Token);
        for (var i = 0; i < 5; i++)
        {
            await transport.PublishAsync([node], new byte[] { 2 }, Token);
        }

        // One payload is in the handler, one fits the queue: the other four are dropped as they arrive.
        await Eventually.TrueAsync(() => transport.DroppedEnvelopes == 4, "four dropped payloads");
        release.SetResult();
        await Eventually.TrueAsync(() => Volatile.Read(ref handled) == 2, "the two kept payloads handled");
    }

    [Fact]
    public async Task The_inbox_resumes_after_the_server_restarts()
    {
        await using var server = await RedisServer.StartAsync();
        await using var subscriberConnection = await server.ConnectAsync();
        await using var publisherConnection = await server.ConnectAsync();
        var logger = new RecordingLogger<RedisMessageTransport>();
        await using var transport = new RedisMessageTransport(subscriberConnection, logger);
        await using var publisher = new RedisMessageTransport(publisherConnection);
        var node = NewId("node");
        var received = Channel.CreateUnbounded<byte[]>();
        await using var inbox = await transport.OpenInboxAsync(node, (payload, _) => { received.Writer.TryWrite(payload.ToArray()); return ValueTask.CompletedTask; }, Token);

        await server.RestartAsync();
        await logger.WhenLogged(1002).WaitAsync(Timeout, Token);
        await logger.WhenLogged(1003).WaitAsync(Timeout, Token);

        // StackExchange.Redis re-subscribes on its own after reconnecting; pub/sub may lose what is published before
        // that, so publish until one arrives.
        var marker = Guid.NewGuid().ToByteArray();
        await Eventually.TrueAsync(
            async () =>
            {
                await publisher.PublishAsync([node], marker, Token);
                return await ArrivesWithinAsync(received.Reader, TimeSpan.FromMilliseconds(200));
            },
            "a payload on the re-subscribed inbox channel");
        Assert.Equal(marker, await received.Reader.ReadAsync(Token));
    }

    [Fact]
    public async Task After_a_restart_the_transport_reports_restored_inboxes_and_a_payload_published_then_arrives()
    {
        await using var server = await RedisServer.StartAsync();
        await using var subscriberConnection = await server.ConnectAsync();
        await using var publisherConnection = await server.ConnectAsync();
        await using var transport = new RedisMessageTransport(subscriberConnection);
        await using var publisher = new RedisMessageTransport(publisherConnection);
        var node = NewId("node");
        var received = Channel.CreateUnbounded<byte[]>();
        await using var inbox = await transport.OpenInboxAsync(node, (payload, _) => { received.Writer.TryWrite(payload.ToArray()); return ValueTask.CompletedTask; }, Token);
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        transport.SubscriptionsRestored += (_, _) => restored.TrySetResult();

        await server.RestartAsync();
        await restored.Task.WaitAsync(Timeout, Token);

        // The report comes after the re-subscription (the PING on the subscription connection is answered after it),
        // so one publish is enough: no retry loop.
        var marker = Guid.NewGuid().ToByteArray();
        await publisher.PublishAsync([node], marker, Token);
        Assert.Equal(marker, await received.Reader.ReadAsync(Token).AsTask().WaitAsync(Timeout, Token));
    }

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private static async Task<bool> ArrivesWithinAsync<T>(ChannelReader<T> reader, TimeSpan within)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(within);
        try
        {
            return await reader.WaitToReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!Token.IsCancellationRequested)
        {
            return false;
        }
    }
}
