using Messaging.Client.Tests.TestSupport;
using Messaging.Testing;

namespace Messaging.Client.Tests.EndToEnd;

public sealed class HistoryTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    [Fact]
    public async Task History_pages_newest_first_before_a_seq_and_ascending_after_one()
    {
        await using var chat = await DirectChat.OpenAsync(fixture.Server.BaseUri, connectBob: false);
        var (alice, bob) = (chat.Alice, chat.Bob);
        for (var i = 1; i <= 25; i++)
        {
            await alice.Client.SendAsync(chat.ConversationId, $"message {i}", cancellationToken: TestContext.Current.CancellationToken);
        }

        var newest = await bob.Client.GetMessagesAsync(chat.ConversationId, limit: 10, cancellationToken: TestContext.Current.CancellationToken);
        var older = await bob.Client.GetMessagesAsync(chat.ConversationId, before: newest[^1].Seq, limit: 10, cancellationToken: TestContext.Current.CancellationToken);
        var oldest = await bob.Client.GetMessagesAsync(chat.ConversationId, before: older[^1].Seq, limit: 10, cancellationToken: TestContext.Current.CancellationToken);
        var after = await bob.Client.GetMessagesAsync(chat.ConversationId, after: 20, limit: 10, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(Seqs(25, 16), newest.Select(m => m.Seq));
        Assert.Equal(Seqs(15, 6), older.Select(m => m.Seq));
        Assert.Equal(Seqs(5, 1), oldest.Select(m => m.Seq));
        Assert.Equal(Seqs(21, 25), after.Select(m => m.Seq));
        Assert.Equal("message 21", after[0].Content);
    }

    [Fact]
    public async Task Conversation_list_pages_follow_the_next_cursor_to_the_end()
    {
        await using var chat = await DirectChat.OpenAsync(fixture.Server.BaseUri, connectBob: false);
        var alice = chat.Alice;
        var groups = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            groups.Add((await alice.Client.CreateGroupAsync($"group {i}", [], TestContext.Current.CancellationToken)).ConversationId);
        }

        var listed = new List<string>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await alice.Client.ListConversationPageAsync(limit: 3, cursor, TestContext.Current.CancellationToken);
            listed.AddRange(page.Conversations.Select(c => c.ConversationId));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal((await alice.Client.ListConversationsAsync(TestContext.Current.CancellationToken)).Select(c => c.ConversationId), listed);
        Assert.Equal(groups.Append(chat.ConversationId).Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Conversation_list_shows_unread_counts_and_the_last_message()
    {
        await using var chat = await DirectChat.OpenAsync(fixture.Server.BaseUri, connectBob: false);
        var (alice, bob) = (chat.Alice, chat.Bob);
        await alice.Client.SendAsync(chat.ConversationId, "one", cancellationToken: TestContext.Current.CancellationToken);
        await alice.Client.SendAsync(chat.ConversationId, "two", cancellationToken: TestContext.Current.CancellationToken);

        var listed = Assert.Single(await bob.Client.ListConversationsAsync(TestContext.Current.CancellationToken));

        Assert.Equal((2L, 2L, "two"), (listed.UnreadCount, listed.LastSeq, listed.LastMessage?.Content));
    }

    private static IEnumerable<long> Seqs(long from, long to) => from <= to
        ? Enumerable.Range((int)from, (int)(to - from + 1)).Select(i => (long)i)
        : Enumerable.Range((int)to, (int)(from - to + 1)).Select(i => (long)i).Reverse();
}
