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
}
