using System.Net;
using System.Net.Http.Headers;
using Messaging.Protocol;
using Messaging.Testing;

namespace Messaging.Transports.AspNetCore.Tests;

/// <summary>
/// Every place where a client names a user applies one rule (<see cref="UserIds"/>: 1-64 letters or digits of any
/// script, or <c>. _ @ -</c>) and answers a malformed id with <c>bad_request</c>, changing nothing.
/// </summary>
public sealed class UserIdValidationTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    // 64 and 65 code points that take two UTF-16 chars each (U+1D49C, a letter): the limit counts characters.
    private static readonly string LongestId = string.Concat(Enumerable.Repeat("\U0001D49C", 64));

    private ChatServer Server => fixture.Server;

    public static TheoryData<string> Malformed => ["nobody!", "two words", "semi;colon", "", new string('a', 65), LongestId + "\U0001D49C", "tab\there"];

    [Theory]
    [InlineData("zoë.k")]
    [InlineData("李雷")]
    [InlineData("bob@example.org")]
    [InlineData("under_score-dash")]
    [InlineData("٣٤")]
    public void Well_formed_ids_follow_the_rule(string userId)
    {
        Assert.True(UserIds.IsValid(userId));
        Assert.True(UserIds.IsValid(LongestId));
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_ids_break_the_rule(string userId)
    {
        Assert.False(UserIds.IsValid(userId));
        Assert.False(UserIds.IsValid("lone\ud800surrogate"));
    }

    [Theory]
    [InlineData("nobody!")]
    [InlineData("two words")]
    public async Task Development_sign_in_with_a_malformed_id_is_a_bad_request(string userId)
    {
        using var bearer = Server.CreateHttpClient(userId: null);
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", userId);
        using var query = Server.CreateHttpClient(userId: null);

        var viaHeader = await Rest.SendRawAsync(bearer, HttpMethod.Get, "conversations");
        var viaQuery = await Rest.SendRawAsync(query, HttpMethod.Get, $"conversations?access_token={Uri.EscapeDataString(userId)}");

        foreach (var (status, error) in new[] { viaHeader, viaQuery })
        {
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal(ErrorCodes.BadRequest, error!.Error.Code);
            Assert.Contains(UserIds.Description, error.Error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Development_sign_in_accepts_letters_of_any_script()
    {
        var userId = Users.New("zoë");
        using var client = Server.CreateHttpClient(userId: null);

        using var response = await client.GetAsync($"conversations?access_token={Uri.EscapeDataString(userId)}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Creating_a_direct_conversation_with_a_malformed_user_id_is_a_bad_request(string userId)
    {
        var alice = Users.New("alice");
        using var client = Server.CreateHttpClient(alice);

        var (status, error) = await Rest.SendRawAsync(client, HttpMethod.Post, "conversations", $$"""{"type":"direct","user_id":{{Json(userId)}}}""");

        Assert.Equal((HttpStatusCode.BadRequest, ErrorCodes.BadRequest), (status, error!.Error.Code));
        Assert.Empty(await Server.Engine.ListConversationsAsync(alice, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Creating_a_group_with_a_malformed_member_id_is_a_bad_request()
    {
        var alice = Users.New("alice");
        using var client = Server.CreateHttpClient(alice);

        var (status, error) = await Rest.SendRawAsync(client, HttpMethod.Post, "conversations", $$"""{"type":"group","name":"Team","members":[{{Json(Users.New("bob"))}},"nobody!"]}""");

        Assert.Equal((HttpStatusCode.BadRequest, ErrorCodes.BadRequest), (status, error!.Error.Code));
        Assert.Contains(UserIds.Description, error.Error.Message, StringComparison.Ordinal);
        Assert.Empty(await Server.Engine.ListConversationsAsync(alice, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Adding_or_removing_a_malformed_member_id_is_a_bad_request_and_changes_nothing()
    {
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        var group = await Rest.CreateGroupAsync(Server, alice, "Team", bob);
        using var client = Server.CreateHttpClient(alice);

        var added = await Rest.SendRawAsync(client, HttpMethod.Post, $"conversations/{group.ConversationId}/members", """{"user_id":"nobody!"}""");
        var removed = await Rest.SendRawAsync(client, HttpMethod.Delete, $"conversations/{group.ConversationId}/members/{Uri.EscapeDataString("nobody!")}");

        Assert.Equal((HttpStatusCode.BadRequest, ErrorCodes.BadRequest), (added.Status, added.Error!.Error.Code));
        Assert.Equal((HttpStatusCode.BadRequest, ErrorCodes.BadRequest), (removed.Status, removed.Error!.Error.Code));
        Assert.Empty(await Rest.MessagesAsync(Server, alice, group.ConversationId));
    }

    [Fact]
    public async Task Presence_of_a_malformed_user_id_is_a_bad_request()
    {
        using var client = Server.CreateHttpClient(Users.New("alice"));

        var (status, error) = await Rest.SendRawAsync(client, HttpMethod.Get, $"users/{Uri.EscapeDataString("nobody!")}/presence");

        Assert.Equal((HttpStatusCode.BadRequest, ErrorCodes.BadRequest), (status, error!.Error.Code));
    }

    [Fact]
    public async Task Subscribing_to_the_presence_of_a_malformed_user_id_is_answered_with_an_error_frame()
    {
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        await using var socket = await Wire.ConnectReadyAsync(Server, alice);

        await socket.SendAsync(new PresenceSubscribeFrame([bob, "nobody!"]));
        var error = await socket.WaitForAsync<ErrorFrame>();
        await socket.SendAsync(new PresenceSubscribeFrame([bob]));
        var presence = await socket.WaitForAsync<PresenceFrame>();

        Assert.Equal(ErrorCodes.BadRequest, error.Code);
        Assert.Contains(UserIds.Description, error.Message, StringComparison.Ordinal);
        Assert.Equal(bob, presence.UserId);
        Assert.Equal(1, socket.Frames.Count(f => f is PresenceFrame));
    }

    private static string Json(string value) => System.Text.Json.JsonSerializer.Serialize(value);
}
