using System.Text;
using Xunit;

namespace Messaging.Conformance;

/// <summary>
/// The laws of <see cref="IEventLog"/>: a conversation's events read back in append order with increasing positions,
/// conversations never mix, reads page by position and limit, and the end position separates what was appended from
/// what comes next. Inherit and supply <see cref="CreateAsync"/>.
/// </summary>
/// <remarks>Events are compared by their <see cref="EventLogCodec"/> encoding, which covers every field of the schema.</remarks>
public abstract class EventLogConformanceTests : ConformanceSuite
{
    private static readonly DateTimeOffset At = new(2025, 1, 15, 10, 30, 0, TimeSpan.Zero);

    /// <summary>Creates a log; instances may share one backend (tests use fresh conversation ids).</summary>
    /// <returns>The log under test.</returns>
    protected abstract ValueTask<IEventLog> CreateAsync();

    /// <summary>Messages, membership changes and receipts of a conversation read back as appended, in order.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Events_of_a_conversation_read_back_in_append_order()
    {
        var log = Track(await CreateAsync());
        var conversation = NewId("conv");
        var events = new List<LogEvent>
        {
            new MembershipLogEvent(conversation, At, "alice", Joined: true, ["alice", "bob"]),
            MessageAt(conversation, 1),
            new MessageLogEvent(MessageAt(conversation, 2).Message with { Kind = MessageKind.Media, MediaId = "media-1", Content = "" }),
            new ReceiptLogEvent(conversation, At, "bob", "phone", ReceiptStatus.Read, 2),
        };
        await log.AppendAsync(events[..2], Token);
        await log.AppendAsync(events[2..], Token);

        var read = await ReadAllAsync(log, conversation);

        Assert.Equal(events.Select(Encoded), read.Select(e => Encoded(e.Event)));
        Assert.True(read.Zip(read.Skip(1)).All(p => p.First.Position < p.Second.Position), "positions increase");
    }

    /// <summary>Two conversations appended in turns each read back only their own events, in order.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Conversations_do_not_mix()
    {
        var log = Track(await CreateAsync());
        string first = NewId("conv"), second = "with space {x} ü " + NewId("conv");
        for (var seq = 1; seq <= 5; seq++)
        {
            await log.AppendAsync([MessageAt(first, seq)], Token);
            await log.AppendAsync([MessageAt(second, seq)], Token);
        }

        foreach (var conversation in new[] { first, second })
        {
            var read = await ReadAllAsync(log, conversation);
            Assert.Equal([1L, 2, 3, 4, 5], read.Select(e => ((MessageLogEvent)e.Event).Message.Seq));
            Assert.All(read, e => Assert.Equal(conversation, e.Event.ConversationId));
        }

        Assert.Empty(await log.ReadAsync(NewId("conv"), -1, 10, Token));
    }

    /// <summary>A read returns at most the limit, and reading after a position continues behind it.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Reads_page_by_position_and_limit()
    {
        var log = Track(await CreateAsync());
        var conversation = NewId("conv");
        await log.AppendAsync([.. Enumerable.Range(1, 7).Select(seq => MessageAt(conversation, seq))], Token);

        var page = await log.ReadAsync(conversation, -1, 3, Token);
        Assert.Equal([1L, 2, 3], page.Select(e => ((MessageLogEvent)e.Event).Message.Seq));
        var rest = await ReadAllAsync(log, conversation, page[^1].Position);
        Assert.Equal([4L, 5, 6, 7], rest.Select(e => ((MessageLogEvent)e.Event).Message.Seq));
    }

    /// <summary>Reading after the end position returns only the events appended later.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task End_position_separates_what_comes_next()
    {
        var log = Track(await CreateAsync());
        var conversation = NewId("conv");
        await log.AppendAsync([MessageAt(conversation, 1), MessageAt(conversation, 2)], Token);

        var end = await log.GetEndAsync(conversation, Token);
        Assert.Empty(await log.ReadAsync(conversation, end - 1, 10, Token));

        await log.AppendAsync([MessageAt(conversation, 3)], Token);
        var next = await ReadAllAsync(log, conversation, end - 1);
        Assert.Equal([3L], next.Select(e => ((MessageLogEvent)e.Event).Message.Seq));
    }

    /// <summary>Reads every event of a conversation after a position, page by page.</summary>
    /// <param name="log">The log.</param>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="afterPosition">Where to start.</param>
    /// <returns>The events.</returns>
    protected static async Task<List<LoggedEvent>> ReadAllAsync(IEventLog log, string conversationId, long afterPosition = -1)
    {
        ArgumentNullException.ThrowIfNull(log);
        var all = new List<LoggedEvent>();
        while (true)
        {
            var page = await log.ReadAsync(conversationId, afterPosition, 100, Token).ConfigureAwait(false);
            if (page.Count == 0)
            {
                return all;
            }

            all.AddRange(page);
            afterPosition = page[^1].Position;
        }
    }

    /// <summary>A text message event.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="seq">The seq.</param>
    /// <returns>The event.</returns>
    protected static MessageLogEvent MessageAt(string conversationId, long seq) => new(new Message
    {
        ConversationId = conversationId,
        Seq = seq,
        MessageId = "m-" + seq.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N"),
        SenderId = "alice",
        ClientMsgId = "c-" + seq.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Content = "hello " + seq.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Timestamp = At.AddSeconds(seq),
    });

    private static string Encoded(LogEvent logEvent) => Encoding.UTF8.GetString(EventLogCodec.Encode(logEvent));
}
