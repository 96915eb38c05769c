using FsCheck.Fluent;
using Xunit;

namespace Messaging.Conformance;

/// <summary>
/// The laws of <see cref="IMessageTransport"/>: literal channels with no cross-talk, publish order per channel, every
/// envelope kind delivered intact, one handler call at a time per subscription, a throwing subscriber isolated, and
/// nothing delivered after unsubscribing. Inherit and supply <see cref="CreateAsync"/>.
/// </summary>
/// <remarks>
/// Capabilities read: <see cref="AdapterCapabilities.OrderedPerChannel"/>, <see cref="AdapterCapabilities.MultiNode"/>
/// (two instances from the factory are two nodes on one backplane).
/// </remarks>
public abstract class TransportConformanceTests : ConformanceSuite
{
    private static readonly DateTimeOffset Epoch = new(2024, 1, 15, 10, 30, 0, TimeSpan.Zero);

    /// <summary>Creates a transport. With <see cref="AdapterCapabilities.MultiNode"/>, instances share one backplane.</summary>
    /// <returns>The transport under test.</returns>
    protected abstract ValueTask<IMessageTransport> CreateAsync();

    /// <summary>One envelope of every kind, with distinguishable values.</summary>
    /// <param name="conversationId">The conversation the envelopes concern.</param>
    /// <returns>The envelopes.</returns>
    protected static IReadOnlyList<Envelope> EveryKindOfEnvelope(string conversationId)
    {
        var message = new Message
        {
            ConversationId = conversationId,
            Seq = 41,
            MessageId = "0190f1c2-7a3b-7c4d-8e5f-0123456789ab",
            SenderId = "alice",
            ClientMsgId = "uuid-1",
            Content = "Hello, \"world\" \u00e9\u4e16\U0001F600",
            MediaId = "media-1",
            Timestamp = Epoch,
            Kind = MessageKind.Media,
        };
        return
        [
            new MessageEnvelope(message, "conn-1"),
            new MessageEnvelope(message with { MediaId = null, Kind = MessageKind.System }, null),
            new StatusEnvelope(conversationId, message.MessageId, 41, ReceiptStatus.Read, "uuid-1", Epoch.AddSeconds(1)),
            new StatusEnvelope(conversationId, message.MessageId, 41, ReceiptStatus.Delivered, null, Epoch.AddSeconds(2)),
            new TypingEnvelope(conversationId, "bob", true),
            new PresenceEnvelope("bob", PresenceStatus.Offline, Epoch.AddMinutes(-5)),
            new PresenceEnvelope("bob", PresenceStatus.Online, null),
            new MembershipEnvelope(conversationId, "carol", false),
        ];
    }

    /// <summary>Every kind of envelope arrives equal to what was published.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Every_kind_of_envelope_arrives_intact()
    {
        var transport = await NewTransportAsync();
        var channel = TransportChannel.Conversation(NewId("conv"));
        var recorder = await SubscribeAsync(transport, channel);
        var envelopes = EveryKindOfEnvelope(channel.Id);

        foreach (var envelope in envelopes)
        {
            await transport.PublishAsync([channel], envelope, Token);
        }

        await WaitForAsync(recorder.WhenCountAsync(envelopes.Count), $"{envelopes.Count} envelopes");
        Assert.Equal(envelopes.OrderBy(Describe), recorder.Received.OrderBy(Describe));
    }

    /// <summary>Law: subscribers of several channels each receive exactly their channel's envelopes, in publish order.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Each_channel_delivers_its_envelopes_in_publish_order()
    {
        Require(Capabilities.OrderedPerChannel, nameof(AdapterCapabilities.OrderedPerChannel), "one publisher's envelopes arrive in publish order per channel.");
        var transport = await NewTransportAsync();

        // Each publish goes to a non-empty subset of three channels.
        var publish = Gen.SubListOf(0, 1, 2).Where(s => s.Count > 0);
        await Laws.CheckAsync(publish.ListOf(), async publishes =>
        {
            var channels = new[] { TransportChannel.User(NewId("user")), TransportChannel.Conversation(NewId("conv")), TransportChannel.Node(NewId("node")) };
            var recorders = new List<EnvelopeRecorder>();
            var subscriptions = new List<IAsyncDisposable>();
            foreach (var channel in channels)
            {
                var recorder = new EnvelopeRecorder();
                recorders.Add(recorder);
                subscriptions.Add(await transport.SubscribeAsync(channel, recorder.HandleAsync, Token));
            }

            var expected = channels.Select(_ => new List<Envelope>()).ToArray();
            for (var i = 0; i < publishes.Count; i++)
            {
                var envelope = new TypingEnvelope(NewId("conv"), $"user{i}", i % 2 == 0);
                await transport.PublishAsync([.. publishes[i].Select(c => channels[c])], envelope, Token);
                foreach (var c in publishes[i])
                {
                    expected[c].Add(envelope);
                }
            }

            for (var c = 0; c < channels.Length; c++)
            {
                await WaitForAsync(recorders[c].WhenCountAsync(expected[c].Count), $"{expected[c].Count} envelopes on {channels[c]}");
                Assert.Equal(expected[c], recorders[c].Received);
            }

            foreach (var subscription in subscriptions)
            {
                await subscription.DisposeAsync();
            }
        }, maxTest: 30);
    }

    /// <summary>Channels are literal names: no pattern matching, no prefix matching, kinds never mix.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Channels_are_literal_with_no_cross_talk()
    {
        var transport = await NewTransportAsync();
        var id = NewId("a");
        var channels = new[]
        {
            TransportChannel.User(id), TransportChannel.User(id + "*"), TransportChannel.User(id + "?"), TransportChannel.User(id + "x"),
            TransportChannel.User(id[..^1]), TransportChannel.Conversation(id), TransportChannel.Presence(id), TransportChannel.Node(id),
        };
        var recorders = new List<EnvelopeRecorder>();
        foreach (var channel in channels)
        {
            recorders.Add(await SubscribeAsync(transport, channel));
        }

        for (var i = 0; i < channels.Length; i++)
        {
            await transport.PublishAsync([channels[i]], new TypingEnvelope(channels[i].Id, channels[i].Kind.ToString(), true), Token);
        }

        for (var i = 0; i < channels.Length; i++)
        {
            await WaitForAsync(recorders[i].WhenCountAsync(1), $"the envelope on {channels[i]}");
        }

        // One more round; each channel's second envelope proves any stray envelope had time to arrive before it.
        for (var i = 0; i < channels.Length; i++)
        {
            await transport.PublishAsync([channels[i]], new TypingEnvelope(channels[i].Id, channels[i].Kind.ToString(), false), Token);
        }

        for (var i = 0; i < channels.Length; i++)
        {
            await WaitForAsync(recorders[i].WhenCountAsync(2), $"the second envelope on {channels[i]}");
            Assert.Equal(
                [new TypingEnvelope(channels[i].Id, channels[i].Kind.ToString(), true), new TypingEnvelope(channels[i].Id, channels[i].Kind.ToString(), false)],
                recorders[i].Received);
        }
    }

    /// <summary>A publish to several channels reaches each channel's subscribers once; several subscribers of one channel each get it.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Publish_to_several_channels_reaches_every_subscriber_once()
    {
        var transport = await NewTransportAsync();
        var (user, conversation) = (TransportChannel.User(NewId("user")), TransportChannel.Conversation(NewId("conv")));
        var first = await SubscribeAsync(transport, user);
        var second = await SubscribeAsync(transport, user);
        var third = await SubscribeAsync(transport, conversation);
        var envelope = new MembershipEnvelope(conversation.Id, user.Id, true);
        var marker = new MembershipEnvelope(conversation.Id, user.Id, false);

        await transport.PublishAsync([user, conversation], envelope, Token);
        await transport.PublishAsync([user, conversation], marker, Token);

        foreach (var recorder in new[] { first, second, third })
        {
            await WaitForAsync(recorder.WhenCountAsync(2), "the envelope and the marker");
            Assert.Equal([envelope, marker], recorder.Received.OrderBy(e => e == marker));
        }
    }

    /// <summary>Publishing to a channel nobody subscribes to succeeds.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Publish_without_subscribers_succeeds()
    {
        var transport = await NewTransportAsync();
        var channel = TransportChannel.Node(NewId("node"));

        await transport.PublishAsync([channel], new PresenceEnvelope("alice", PresenceStatus.Online, null), Token);

        var recorder = await SubscribeAsync(transport, channel);
        await transport.PublishAsync([channel], new PresenceEnvelope("alice", PresenceStatus.Offline, Epoch), Token);
        await WaitForAsync(recorder.WhenCountAsync(1), "the envelope published after subscribing");
        Assert.Equal([new PresenceEnvelope("alice", PresenceStatus.Offline, Epoch)], recorder.Received);
    }

    /// <summary>After its subscription is disposed a handler receives nothing, while other subscribers continue.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Unsubscribed_handler_stops_receiving()
    {
        var transport = await NewTransportAsync();
        var channel = TransportChannel.User(NewId("user"));
        var leaving = new EnvelopeRecorder();
        var subscription = await transport.SubscribeAsync(channel, leaving.HandleAsync, Token);
        var staying = await SubscribeAsync(transport, channel);
        var before = new TypingEnvelope("c", "before", true);
        await transport.PublishAsync([channel], before, Token);
        await WaitForAsync(leaving.WhenCountAsync(1), "the envelope before unsubscribing");

        await subscription.DisposeAsync();
        await transport.PublishAsync([channel], new TypingEnvelope("c", "after", true), Token);
        await transport.PublishAsync([channel], new TypingEnvelope("c", "marker", true), Token);

        await WaitForAsync(staying.WhenCountAsync(3), "the remaining subscriber's envelopes");
        Assert.Equal([before], leaving.Received);
    }

    /// <summary>A subscriber whose handler throws neither stops other subscribers nor its own later envelopes.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Throwing_subscriber_does_not_stop_delivery()
    {
        var transport = await NewTransportAsync();
        var channel = TransportChannel.Conversation(NewId("conv"));
        var poison = new TypingEnvelope(channel.Id, "poison", true);
        var throwing = new EnvelopeRecorder(e => e == poison ? throw new InvalidOperationException("subscriber failure") : ValueTask.CompletedTask);
        Track(await transport.SubscribeAsync(channel, throwing.HandleAsync, Token));
        var healthy = await SubscribeAsync(transport, channel);
        var good = new TypingEnvelope(channel.Id, "good", true);

        await transport.PublishAsync([channel], poison, Token);
        await transport.PublishAsync([channel], good, Token);

        await WaitForAsync(healthy.WhenCountAsync(2), "both envelopes at the healthy subscriber");
        await WaitForAsync(throwing.WhenCountAsync(1), "the envelope after the failure at the throwing subscriber");
        Assert.Equal([poison, good], healthy.Received);
        Assert.Equal([good], throwing.Received);
    }

    /// <summary>A subscription's handler is never called concurrently with itself.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Handler_is_called_one_envelope_at_a_time()
    {
        var transport = await NewTransportAsync();
        var channel = TransportChannel.User(NewId("user"));
        var running = 0;
        var overlapped = false;
        var recorder = new EnvelopeRecorder(async _ =>
        {
            overlapped |= Interlocked.Increment(ref running) > 1;
            await Task.Yield();
            Interlocked.Decrement(ref running);
        });
        Track(await transport.SubscribeAsync(channel, recorder.HandleAsync, Token));

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(() =>
            transport.PublishAsync([channel], new TypingEnvelope("c", $"user{i}", true), Token).AsTask())));

        await WaitForAsync(recorder.WhenCountAsync(50), "50 envelopes");
        Assert.False(overlapped, "the handler ran concurrently with itself");
    }

    /// <summary>A publish on one node reaches a subscriber on another node.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Publish_on_one_node_reaches_subscribers_on_another()
    {
        Require(Capabilities.MultiNode, nameof(AdapterCapabilities.MultiNode), "a backplane connects transports in different processes.");
        var (a, b) = (await NewTransportAsync(), await NewTransportAsync());
        var channel = TransportChannel.Node(NewId("node"));
        var recorder = await SubscribeAsync(b, channel);
        var envelope = new PresenceEnvelope("alice", PresenceStatus.Online, null);

        await a.PublishAsync([channel], envelope, Token);

        await WaitForAsync(recorder.WhenCountAsync(1), "the envelope from the other node");
        Assert.Equal([envelope], recorder.Received);
    }

    private static string Describe(Envelope envelope) => envelope.ToString();

    private async Task<EnvelopeRecorder> SubscribeAsync(IMessageTransport transport, TransportChannel channel)
    {
        var recorder = new EnvelopeRecorder();
        Track(await transport.SubscribeAsync(channel, recorder.HandleAsync, Token));
        return recorder;
    }

    private async Task<IMessageTransport> NewTransportAsync() => Track(await CreateAsync());
}
