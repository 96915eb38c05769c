using Messaging.Conformance;
using Messaging.Stores.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Messaging.Redis.Tests.Stores;

// The Redis send path as the engine drives it: the atomic append also keeps the books (the sender's read mark and the
// conversation's activity), so a send is one script call.
public sealed class RedisSendPathTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_send_is_one_script_call_that_also_moves_the_senders_read_mark_and_the_conversations_activity()
    {
        // A private server (its command statistics count this test's commands only) and a clock that stands still, so
        // no background loop runs between the sends.
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 15, 10, 30, 0, TimeSpan.Zero));
        var services = new ServiceCollection().AddSingleton<TimeProvider>(time);
        services.AddMessaging().UseRedisStores(connection);
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<MessagingEngine>();
        await engine.StartAsync(Token);
        var conversation = (await engine.CreateDirectConversationAsync("alice", "bob", Token)).View.Conversation.Id;
        await using var alice = await engine.ConnectAsync("alice", "phone", new RecordingClientConnection(), Token);
        await alice.SendAsync(new SendMessageRequest(conversation, "first", "c0"), Token);
        await connection.GetServer(connection.GetEndPoints()[0]).ConfigResetStatisticsAsync();

        const int Sends = 10;
        for (var i = 1; i <= Sends; i++)
        {
            await alice.SendAsync(new SendMessageRequest(conversation, "hi", $"c{i}"), Token);
        }

        var commands = (await RedisCommandStats.ReadAsync(connection)).Where(c => !c.Key.StartsWith("config", StringComparison.Ordinal) && c.Key != "info");
        // Every write of the send path is a script (the read mark and the activity have their own when the books are
        // not kept, 3 per send): one script call per send, and none sent by its text. Work apart from the sends (a
        // conversation read or a presence touch the connection's own follow-up makes) may add a call or two; reads
        // (route look-ups, a connection reading a range back) come and go with timing.
        var counted = commands.ToDictionary(c => c.Key, c => c.Value);
        Assert.InRange(counted.GetValueOrDefault("evalsha"), Sends, Sends + 2);
        Assert.Equal(0L, counted.GetValueOrDefault("eval"));
        var receipts = provider.GetRequiredService<IReceiptStore>();
        var mark = await receipts.GetDeviceAsync(conversation, "alice", ReservedDeviceIds.Sender, Token);
        Assert.Equal((Sends + 1L, Sends + 1L), (mark.DeliveredUpTo, mark.ReadUpTo));
        var listed = Assert.Single(await provider.GetRequiredService<IConversationIndex>().ListForUserAsync("bob", 10, Token));
        Assert.Equal(Sends + 1L, listed.LastSeq);
        await engine.StopAsync(Token);
    }

    [Fact]
    public async Task The_append_keeps_the_books_only_of_Redis_roles_on_its_own_connection_and_a_duplicate_keeps_none()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        await using var other = await server.ConnectAsync();
        var messages = new RedisMessageStore(connection);
        Assert.True(messages.KeepsBooksFor(new RedisReceiptStore(connection), new RedisConversationIndex(connection)));
        Assert.False(messages.KeepsBooksFor(new RedisReceiptStore(other), new RedisConversationIndex(connection)));
        Assert.False(messages.KeepsBooksFor(new InMemoryReceiptStore(), new RedisConversationIndex(connection)));
        Assert.False(messages.KeepsBooksFor(new RedisReceiptStore(connection), new InMemoryConversationStore()));

        var receipts = new RedisReceiptStore(connection);
        var at = new DateTimeOffset(2025, 1, 15, 10, 30, 0, TimeSpan.Zero);
        await receipts.AdvanceAsync("c", "alice", "phone", 0, 0, at, Token);
        var draft = new Message { ConversationId = "c", Seq = 0, MessageId = "m1", SenderId = "alice", ClientMsgId = "x", Content = "hi", Timestamp = at };
        var first = await messages.SequenceAndAppendKeepingBooksAsync(draft, TimeSpan.FromMinutes(1), new CommitBookkeeping("alice", at), Token);
        var second = await messages.SequenceAndAppendKeepingBooksAsync(draft with { MessageId = "m2" }, TimeSpan.FromMinutes(1), new CommitBookkeeping("alice", at), Token);

        Assert.Equal((AppendOutcome.Appended, 1L), (first.Result.Outcome, first.Result.Existing!.Seq));
        Assert.Equal((0L, 0L), (first.SenderMarksBefore.DeliveredUpTo, first.SenderMarksBefore.ReadUpTo));
        Assert.Equal((AppendOutcome.DuplicateClientMessage, "m1"), (second.Result.Outcome, second.Result.Existing!.MessageId));
        var user = await receipts.GetUserAsync("c", "alice", Token);
        Assert.Equal((1L, 1L, at), (user.DeliveredUpTo, user.ReadUpTo, user.ReadAt!.Value));
    }

    [Fact]
    public async Task Keeping_the_books_moves_the_senders_marks_to_the_new_seq_and_returns_the_users_marks_before()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        var messages = new RedisMessageStore(connection);
        var receipts = new RedisReceiptStore(connection);
        var start = new DateTimeOffset(2025, 1, 15, 10, 30, 0, TimeSpan.Zero);
        var draft = new Message { ConversationId = "c", Seq = 0, MessageId = "m1", SenderId = "alice", ClientMsgId = "x1", Content = "hi", Timestamp = start };
        for (var i = 1; i <= 3; i++)
        {
            await messages.SequenceAndAppendAsync(draft with { MessageId = $"m{i}", ClientMsgId = $"x{i}" }, TimeSpan.FromMinutes(1), Token);
        }

        // Alice's phone has had seq 3 delivered and read seq 2, at different times, before she sends again.
        await receipts.AdvanceAsync("c", "alice", "phone", 3, 0, start.AddSeconds(1), Token);
        await receipts.AdvanceAsync("c", "alice", "phone", 3, 2, start.AddSeconds(2), Token);
        var at = start.AddSeconds(3);
        var sent = await messages.SequenceAndAppendKeepingBooksAsync(draft with { MessageId = "m4", ClientMsgId = "x4", Timestamp = at }, TimeSpan.FromMinutes(1), new CommitBookkeeping("alice", at), Token);

        Assert.Equal(4L, sent.Result.Existing!.Seq);
        Assert.Equal((3L, 2L, start.AddSeconds(1), start.AddSeconds(2)), (sent.SenderMarksBefore.DeliveredUpTo, sent.SenderMarksBefore.ReadUpTo, sent.SenderMarksBefore.DeliveredAt, sent.SenderMarksBefore.ReadAt));
        var user = await receipts.GetUserAsync("c", "alice", Token);
        Assert.Equal((4L, 4L, at, at), (user.DeliveredUpTo, user.ReadUpTo, user.DeliveredAt, user.ReadAt));
        var device = await receipts.GetDeviceAsync("c", "alice", ReservedDeviceIds.Sender, Token);
        Assert.Equal((4L, 4L, at, at), (device.DeliveredUpTo, device.ReadUpTo, device.DeliveredAt, device.ReadAt));
        var phone = await receipts.GetDeviceAsync("c", "alice", "phone", Token);
        Assert.Equal((3L, 2L), (phone.DeliveredUpTo, phone.ReadUpTo));
    }

    [Fact]
    public async Task Keeping_the_books_never_lowers_a_mark_that_was_set_past_the_new_seq_through_the_receipt_store()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        var messages = new RedisMessageStore(connection);
        var receipts = new RedisReceiptStore(connection);
        var at = new DateTimeOffset(2025, 1, 15, 10, 30, 0, TimeSpan.Zero);
        await receipts.AdvanceAsync("c", "alice", "phone", 10, 10, at, Token);

        var draft = new Message { ConversationId = "c", Seq = 0, MessageId = "m1", SenderId = "alice", ClientMsgId = "x1", Content = "hi", Timestamp = at };
        var sent = await messages.SequenceAndAppendKeepingBooksAsync(draft, TimeSpan.FromMinutes(1), new CommitBookkeeping("alice", at.AddSeconds(1)), Token);

        Assert.Equal((1L, 10L, 10L), (sent.Result.Existing!.Seq, sent.SenderMarksBefore.DeliveredUpTo, sent.SenderMarksBefore.ReadUpTo));
        var user = await receipts.GetUserAsync("c", "alice", Token);
        Assert.Equal((10L, 10L, at), (user.DeliveredUpTo, user.ReadUpTo, user.ReadAt!.Value));
        var device = await receipts.GetDeviceAsync("c", "alice", ReservedDeviceIds.Sender, Token);
        Assert.Equal((1L, 1L), (device.DeliveredUpTo, device.ReadUpTo));
    }
}
