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
    public void Channels_are_literal_and_named_by_kind_and_id()
    {
        Assert.Equal("messaging:user:alice", RedisChannels.Name(TransportChannel.User("alice")));
        Assert.Equal("messaging:conv:c1", RedisChannels.Name(TransportChannel.Conversation("c1")));
        Assert.Equal("messaging:node:n1", RedisChannels.Name(TransportChannel.Node("n1")));
        Assert.Equal("messaging:presence:alice", RedisChannels.Name(TransportChannel.Presence("alice")));
        Assert.False(RedisChannels.For(TransportChannel.User("a*")).IsPattern);
    }

    [Fact]
    public async Task Publish_sends_one_serialisation_to_every_channel_under_its_documented_name()
    {
        var multiplexer = redis.Multiplexer;
        await using var transport = new RedisMessageTransport(multiplexer);
        var envelope = new TypingEnvelope(NewId("conv"), "bob", true);
        TransportChannel[] channels = [TransportChannel.User(NewId("user")), TransportChannel.Conversation(NewId("conv")), TransportChannel.Node(NewId("node"))];
        var received = Channel.CreateUnbounded<(string Channel, byte[] Payload)>();
        var subscriber = multiplexer.GetSubscriber();
        foreach (var channel in channels)
        {
            await subscriber.SubscribeAsync(RedisChannel.Literal(RedisChannels.Name(channel)), (c, v) => received.Writer.TryWrite((c.ToString(), (byte[])v!)));
        }

        try
        {
            await transport.PublishAsync(channels, envelope, Token);

            var expected = RedisEnvelopeProtocol.Write(envelope);
            var names = new List<string>();
            for (var i = 0; i < channels.Length; i++)
            {
                var (name, payload) = await received.Reader.ReadAsync(Token).AsTask().WaitAsync(Timeout, Token);
                names.Add(name);
                Assert.Equal(expected, payload);
            }

            Assert.Equal(channels.Select(RedisChannels.Name).Order(), names.Order());
        }
        finally
        {
            foreach (var channel in channels)
            {
                await subscriber.UnsubscribeAsync(RedisChannel.Literal(RedisChannels.Name(channel)));
            }
        }
    }

    [Fact]
    public async Task Malformed_payload_is_dropped_and_later_envelopes_still_arrive()
    {
        var multiplexer = redis.Multiplexer;
        var logger = new RecordingLogger<RedisMessageTransport>();
        await using var transport = new RedisMessageTransport(multiplexer, logger);
        var channel = TransportChannel.User(NewId("user"));
        var received = Channel.CreateUnbounded<Envelope>();
        await using var subscription = await transport.SubscribeAsync(channel, (e, _) => { received.Writer.TryWrite(e); return ValueTask.CompletedTask; }, Token);

        await multiplexer.GetSubscriber().PublishAsync(RedisChannel.Literal(RedisChannels.Name(channel)), new byte[] { 1, 3, 9 });
        var valid = new TypingEnvelope("c1", "bob", true);
        await transport.PublishAsync([channel], valid, Token);

        Assert.Equal(valid, await received.Reader.ReadAsync(Token).AsTask().WaitAsync(Timeout, Token));
        await logger.WhenLogged(1013).WaitAsync(Timeout, Token);
    }

    [Fact]
    public async Task A_full_subscription_queue_drops_and_counts_instead_of_growing()
    {
        var multiplexer = redis.Multiplexer;
        await using var transport = new RedisMessageTransport(multiplexer, subscriptionQueueCapacity: 1);
        var channel = TransportChannel.User(NewId("user"));
        var release = new TaskCompletionSource();
        var handled = 0;
        var firstEntered = new TaskCompletionSource();
        await using var subscription = await transport.SubscribeAsync(
            channel,
            async (_, _) =>
            {
                firstEntered.TrySetResult();
                await release.Task;
                Interlocked.Increment(ref handled);
            },
            Token);

        await transport.PublishAsync([channel], new TypingEnvelope("c", "u", true), Token);
        await firstEntered.Task.WaitAsync(Timeout, Token);
        for (var i = 0; i < 5; i++)
        {
            await transport.PublishAsync([channel], new TypingEnvelope("c", "u", true), Token);
        }

        // One envelope is in the handler, one fits the queue: the other four are dropped as they arrive.
        await Eventually.TrueAsync(() => transport.DroppedEnvelopes == 4, "four dropped envelopes");
        release.SetResult();
        await Eventually.TrueAsync(() => Volatile.Read(ref handled) == 2, "the two kept envelopes handled");
    }

    [Fact]
    public async Task Subscriptions_resume_after_the_server_restarts()
    {
        await using var server = await RedisServer.StartAsync();
        await using var subscriberConnection = await server.ConnectAsync();
        await using var publisherConnection = await server.ConnectAsync();
        var logger = new RecordingLogger<RedisMessageTransport>();
        await using var transport = new RedisMessageTransport(subscriberConnection, logger);
        await using var publisher = new RedisMessageTransport(publisherConnection);
        var channel = TransportChannel.Node(NewId("node"));
        var received = Channel.CreateUnbounded<Envelope>();
        await using var subscription = await transport.SubscribeAsync(channel, (e, _) => { received.Writer.TryWrite(e); return ValueTask.CompletedTask; }, Token);

        await server.RestartAsync();
        await logger.WhenLogged(1002).WaitAsync(Timeout, Token);
        await logger.WhenLogged(1003).WaitAsync(Timeout, Token);

        // StackExchange.Redis re-subscribes on its own after reconnecting; pub/sub may lose what is published before
        // that, so publish until one arrives.
        var marker = new PresenceEnvelope(NewId("user"), PresenceStatus.Online, null);
        await Eventually.TrueAsync(
            async () =>
            {
                await publisher.PublishAsync([channel], marker, Token);
                return await ArrivesWithinAsync(received.Reader, TimeSpan.FromMilliseconds(200));
            },
            "an envelope on the re-subscribed channel");
        Assert.Equal(marker, await received.Reader.ReadAsync(Token));
    }

    [Fact]
    public async Task After_a_restart_the_transport_reports_restored_subscriptions_and_an_envelope_published_then_arrives()
    {
        await using var server = await RedisServer.StartAsync();
        await using var subscriberConnection = await server.ConnectAsync();
        await using var publisherConnection = await server.ConnectAsync();
        await using var transport = new RedisMessageTransport(subscriberConnection);
        await using var publisher = new RedisMessageTransport(publisherConnection);
        var channel = TransportChannel.Node(NewId("node"));
        var received = Channel.CreateUnbounded<Envelope>();
        await using var subscription = await transport.SubscribeAsync(channel, (e, _) => { received.Writer.TryWrite(e); return ValueTask.CompletedTask; }, Token);
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        transport.SubscriptionsRestored += (_, _) => restored.TrySetResult();

        await server.RestartAsync();
        await restored.Task.WaitAsync(Timeout, Token);

        // The report comes after the re-subscription (the PING on the subscription connection is answered after it),
        // so one publish is enough: no retry loop.
        var marker = new PresenceEnvelope(NewId("user"), PresenceStatus.Online, null);
        await publisher.PublishAsync([channel], marker, Token);
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
