using Messaging.Conformance;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Messaging.Tests.Engine;

public sealed class EventLogTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_committed_message_reaches_the_log_in_seq_order_with_memberships_and_receipts()
    {
        var log = new InMemoryEventLog();
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s.AddSingleton<IEventLog>(log));
        var (alice, _) = await harness.ConnectAsync("alice");
        var (bob, _) = await harness.ConnectAsync("bob");
        var group = await harness.CreateGroupAsync("alice", "bob");

        // Two senders at once: the log still has the conversation's messages in seq order.
        await Task.WhenAll(alice.SendTextsAsync(group, 20, "a"), bob.SendTextsAsync(group, 20, "b"));
        await bob.AckUpToAsync(group, 40, ReceiptStatus.Read, Token);
        await harness.Engine.AddMemberAsync("alice", group, "carol", Token);
        await harness.Engine.EventLog.WhenDrainedAsync(Token).WaitAsync(EngineHarness.Timeout, Token);

        var events = (await log.ReadAsync(group, -1, 1000, Token)).Select(e => e.Event).ToList();
        var created = Assert.IsType<MembershipLogEvent>(events[0]);
        Assert.True(created.Joined);
        Assert.Equal(["alice", "bob"], created.Members.Order());
        var seqs = events.OfType<MessageLogEvent>().Select(e => e.Message.Seq).ToList();
        Assert.Equal(Enumerable.Range(1, 41).Select(i => (long)i), seqs);
        Assert.Equal(MessageKind.System, events.OfType<MessageLogEvent>().Last().Message.Kind);
        var receipt = Assert.Single(events.OfType<ReceiptLogEvent>());
        Assert.Equal(("bob", "phone", ReceiptStatus.Read, 40L), (receipt.UserId, receipt.DeviceId, receipt.Status, receipt.UpToSeq));
        var added = events.OfType<MembershipLogEvent>().Last();
        Assert.Equal(("carol", true), (added.UserId, added.Joined));
    }

    [Fact]
    public async Task A_failing_log_loses_no_committed_message_and_gets_them_in_seq_order_once_it_recovers()
    {
        var log = new FailingEventLog { Failing = true };
        await using var harness = await EngineHarness.StartAsync(
            o => o.EventLogBufferCapacity = 4,
            s => s.AddSingleton<IEventLog>(log));
        var (alice, _) = await harness.ConnectAsync("alice");
        var direct = await harness.CreateDirectAsync("alice", "bob");
        var other = await harness.CreateDirectAsync("alice", "carol");

        // Far more than the buffer holds, in two conversations, while every append fails.
        await alice.SendTextsAsync(direct, 30);
        await alice.SendTextsAsync(other, 10);

        // The lanes append apart from the sends: wait for their first failures, then let them retry (and fail) a few
        // times before the log comes back.
        await AdvanceUntilAsync(harness, () => log.Failures > 0);
        var failures = log.Failures;
        for (var retry = 1; retry <= 3; retry++)
        {
            await AdvanceUntilAsync(harness, () => log.Failures >= failures + retry * 2);
        }

        Assert.Empty(await log.ReadAsync(direct, -1, 10, Token));

        log.Failing = false;
        var drained = harness.Engine.EventLog.WhenDrainedAsync(Token);
        await AdvanceUntilAsync(harness, () => drained.IsCompleted);
        await drained;

        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), await MessageSeqsAsync(log, direct));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), await MessageSeqsAsync(log, other));
    }

    [Fact]
    public async Task Without_a_registered_log_nothing_is_enqueued_and_UseInMemoryEventLog_registers_one_the_host_can_read()
    {
        var plain = new ServiceCollection();
        plain.AddMessaging();
        await using (var provider = plain.BuildServiceProvider())
        {
            Assert.Null(provider.GetService<IEventLog>());
            Assert.False(provider.GetRequiredService<MessagingEngine>().EventLog.Enabled);
        }

        var services = new ServiceCollection();
        services.AddMessaging().UseInMemoryEventLog();
        await using var withLog = services.BuildServiceProvider();
        Assert.Same(withLog.GetRequiredService<InMemoryEventLog>(), withLog.GetRequiredService<IEventLog>());
        Assert.True(withLog.GetRequiredService<MessagingEngine>().EventLog.Enabled);
    }

    [Fact]
    public void Codec_round_trips_every_event_type_and_rejects_unknown_versions()
    {
        var at = new DateTimeOffset(2025, 1, 15, 10, 30, 0, 123, TimeSpan.Zero);
        LogEvent[] events =
        [
            new MessageLogEvent(new Message { ConversationId = "c1", Seq = 41, MessageId = "m1", SenderId = "alice", ClientMsgId = "uuid-1", Content = "Hello \"you\" ü", MediaId = "media-9", Kind = MessageKind.Media, Timestamp = at }),
            new MessageLogEvent(new Message { ConversationId = "c1", Seq = 42, MessageId = "m2", SenderId = "alice", ClientMsgId = "t", Content = "", Kind = MessageKind.Tombstone, Timestamp = at }),
            new MembershipLogEvent("g1", at, "dave", Joined: false, ["alice", "bob"]),
            new ReceiptLogEvent("c1", at, "bob", "phone", ReceiptStatus.Delivered, 41),
        ];

        foreach (var logEvent in events)
        {
            var encoded = EventLogCodec.Encode(logEvent);
            Assert.Equal(encoded, EventLogCodec.Encode(EventLogCodec.Decode(encoded)));
        }

        var message = (MessageLogEvent)EventLogCodec.Decode(EventLogCodec.Encode(events[0]));
        Assert.Equal(((MessageLogEvent)events[0]).Message, message.Message);
        Assert.Throws<InvalidDataException>(() => EventLogCodec.Decode("""{"v":2,"type":"message"}"""u8));
        Assert.Throws<InvalidDataException>(() => EventLogCodec.Decode("""{"v":1,"type":"other","conversation_id":"c","at":"2025-01-15T10:30:00Z"}"""u8));
        Assert.Throws<InvalidDataException>(() => EventLogCodec.Decode("{"u8));

        // Fields a later version adds are ignored.
        var extended = EventLogCodec.Decode("""{"v":1,"type":"receipt","conversation_id":"c1","at":"2025-01-15T10:30:00Z","user_id":"bob","device_id":"d","status":"read","up_to_seq":3,"new":1}"""u8);
        Assert.Equal(3, Assert.IsType<ReceiptLogEvent>(extended).UpToSeq);
    }

    // The lanes wait for the retry interval on the fake clock: move it on until the condition holds.
    private static async Task AdvanceUntilAsync(EngineHarness harness, Func<bool> condition)
    {
        var interval = harness.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<MessagingOptions>>().Value.EventLogRetryInterval;
        var deadline = DateTime.UtcNow + EngineHarness.Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The event log lanes did not get there in time.");
            harness.Time.Advance(interval);
            await Task.Delay(5, Token);
        }
    }

    private static async Task<List<long>> MessageSeqsAsync(IEventLog log, string conversationId)
        => [.. (await log.ReadAsync(conversationId, -1, 1000, Token)).Select(e => e.Event).OfType<MessageLogEvent>().Select(e => e.Message.Seq)];
}
