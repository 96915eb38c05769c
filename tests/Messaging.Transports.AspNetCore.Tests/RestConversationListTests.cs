using System.Net;
using Messaging.Protocol;
using Messaging.Testing;

namespace Messaging.Transports.AspNetCore.Tests;

/// <summary><c>GET /conversations</c>: <c>limit</c> and an opaque <c>cursor</c> page the list by last activity.</summary>
public sealed class RestConversationListTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    private ChatServer Server => fixture.Server;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_member_of_121_conversations_gets_100_then_21_with_a_cursor_between()
    {
        var (user, expected) = await MemberOfAsync(121);
        using var client = Server.CreateHttpClient(user);

        var first = await PageAsync(client, "conversations");
        var second = await PageAsync(client, $"conversations?cursor={Uri.EscapeDataString(first.NextCursor!)}");

        Assert.Equal(100, first.Conversations.Count);
        Assert.NotNull(first.NextCursor);
        Assert.Equal(21, second.Conversations.Count);
        Assert.Null(second.NextCursor);
        Assert.Equal(expected, first.Conversations.Concat(second.Conversations).Select(c => c.ConversationId));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(40)]
    public async Task Paging_an_unchanged_list_with_any_limit_lists_each_conversation_once_in_order(int limit)
    {
        var (user, expected) = await MemberOfAsync(45);
        using var client = Server.CreateHttpClient(user);

        var listed = await ListAllAsync(client, limit);

        Assert.Equal(expected, listed.SelectMany(p => p.Conversations).Select(c => c.ConversationId));
        Assert.All(listed.SkipLast(1), p => Assert.Equal(limit, p.Conversations.Count));
    }

    [Fact]
    public async Task Activity_while_paging_does_not_shift_the_pages_after_the_cursor()
    {
        var (user, expected) = await MemberOfAsync(30);
        using var client = Server.CreateHttpClient(user);
        var first = await PageAsync(client, "conversations?limit=10");

        // A conversation of a later page becomes the most recent: an offset would now skip one of the others.
        var moved = expected[20];
        await using (var socket = await Wire.ConnectReadyAsync(Server, user))
        {
            await Wire.SendAsync(socket, moved, "news");
        }

        var rest = new List<string>();
        for (var cursor = first.NextCursor; cursor is not null;)
        {
            var page = await PageAsync(client, $"conversations?limit=10&cursor={Uri.EscapeDataString(cursor)}");
            rest.AddRange(page.Conversations.Select(c => c.ConversationId));
            cursor = page.NextCursor;
        }

        Assert.Equal(expected.Skip(10).Where(id => id != moved), rest);
        Assert.Equal(moved, (await PageAsync(client, "conversations?limit=1")).Conversations[0].ConversationId);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=-1")]
    [InlineData("limit=101")]
    [InlineData("limit=ten")]
    [InlineData("cursor=not-a-cursor")]
    [InlineData("cursor=%21%21%21")]
    [InlineData("cursor=MTIz")]
    public async Task Bad_limit_or_cursor_is_a_bad_request(string query)
    {
        using var client = Server.CreateHttpClient(Users.New("alice"));

        var (status, error) = await Rest.SendRawAsync(client, HttpMethod.Get, $"conversations?{query}");

        Assert.Equal((HttpStatusCode.BadRequest, ErrorCodes.BadRequest), (status, error!.Error.Code));
    }

    // A user in count direct conversations, each created at its own moment; returns their ids newest first.
    private async Task<(string User, List<string> NewestFirst)> MemberOfAsync(int count)
    {
        var user = Users.New("many");
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var creation = await Server.Engine.CreateDirectConversationAsync(user, Users.New($"peer{i}"), Ct);
            ids.Add(creation.View.Conversation.Id);
        }

        // Creation times may tie on a fast machine: the list's order is activity, newest first, then id.
        var all = await Server.Engine.ListConversationsAsync(user, 1_000, Ct);
        Assert.Equal(ids.Order(StringComparer.Ordinal), all.Select(v => v.Conversation.Id).Order(StringComparer.Ordinal));
        return (user, all.Select(v => v.Conversation.Id).ToList());
    }

    private static async Task<List<ConversationListBody>> ListAllAsync(HttpClient client, int limit)
    {
        var pages = new List<ConversationListBody>();
        string? cursor = null;
        do
        {
            var page = await PageAsync(client, $"conversations?limit={limit}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"));
            pages.Add(page);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return pages;
    }

    private static async Task<ConversationListBody> PageAsync(HttpClient client, string path)
    {
        var (status, body) = await Rest.GetAsync(client, path, ProtocolJsonContext.Default.ConversationListBody);
        Assert.Equal(HttpStatusCode.OK, status);
        return body!;
    }
}
