using System.Net;
using Messaging.Protocol;
using Messaging.Testing;

namespace Messaging.Transports.AspNetCore.Tests;

/// <summary>The conversation endpoints of DESIGN section 6: paths, bodies and status codes.</summary>
public sealed class RestConversationTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    private ChatServer Server => fixture.Server;

    [Fact]
    public async Task Direct_conversation_is_created_with_201_then_found_with_200_from_either_side()
    {
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        using var aliceClient = Server.CreateHttpClient(alice);
        using var bobClient = Server.CreateHttpClient(bob);

        var (first, created) = await CreateAsync(aliceClient, CreateConversationRequest.Direct(bob));
        var (second, existing) = await CreateAsync(bobClient, CreateConversationRequest.Direct(alice));

        Assert.Equal(HttpStatusCode.Created, first);
        Assert.Equal(HttpStatusCode.OK, second);
        Assert.Equal(created!.ConversationId, existing!.ConversationId);
        Assert.Equal(ConversationType.Direct, created.Type);
        Assert.Null(created.Name);
        Assert.Equal([alice, bob], created.Members.Select(m => m.UserId).Order());
        Assert.Equal(0, created.LastSeq);
        Assert.Null(created.LastMessage);
    }

    [Fact]
    public async Task Group_is_created_with_the_caller_as_admin()
    {
        var (alice, bob, carol) = (Users.New("alice"), Users.New("bob"), Users.New("carol"));
        using var client = Server.CreateHttpClient(alice);

        var (status, group) = await CreateAsync(client, CreateConversationRequest.Group("Team", [bob, carol]));

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(ConversationType.Group, group!.Type);
        Assert.Equal("Team", group.Name);
        Assert.Contains(new MemberBody(alice, ConversationRole.Admin), group.Members);
        Assert.Contains(new MemberBody(bob, ConversationRole.Member), group.Members);
        Assert.Contains(new MemberBody(carol, ConversationRole.Member), group.Members);
    }

    [Theory]
    [InlineData("""{"type":"direct"}""")]
    [InlineData("""{"type":"group","members":["x"]}""")]
    [InlineData("""{"type":"channel","user_id":"x"}""")]
    [InlineData("""{"user_id":"x"}""")]
    [InlineData("""not json""")]
    [InlineData("")]
    public async Task Invalid_create_request_is_a_bad_request(string body)
    {
        using var client = Server.CreateHttpClient(Users.New("alice"));

        var (status, error) = await Rest.SendRawAsync(client, HttpMethod.Post, "conversations", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(ErrorCodes.BadRequest, error!.Error.Code);
    }

    [Fact]
    public async Task Conversation_list_has_the_callers_conversations_with_unread_counts()
    {
        var (alice, bob, carol) = (Users.New("alice"), Users.New("bob"), Users.New("carol"));
        var withBob = await Rest.CreateDirectAsync(Server, alice, bob);
        var withCarol = await Rest.CreateDirectAsync(Server, carol, alice);
        await using (var b = await Wire.ConnectReadyAsync(Server, bob))
        {
            await Wire.SendAsync(b, withBob.ConversationId, "one");
            await Wire.SendAsync(b, withBob.ConversationId, "two");
        }

        using var client = Server.CreateHttpClient(alice);
        var (status, list) = await Rest.GetAsync(client, "conversations", ProtocolJsonContext.Default.ConversationListBody);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Null(list!.NextCursor);
        Assert.Equal([withBob.ConversationId, withCarol.ConversationId], list.Conversations.Select(c => c.ConversationId));
        var active = list.Conversations[0];
        Assert.Equal(2, active.LastSeq);
        Assert.Equal(2, active.UnreadCount);
        Assert.Equal(1, active.HistoryStartSeq);
        Assert.Equal("two", active.LastMessage!.Content);
    }

    [Fact]
    public async Task Conversation_of_others_is_not_found_exactly_like_a_missing_one()
    {
        var (alice, bob, carol) = (Users.New("alice"), Users.New("bob"), Users.New("carol"));
        var conversation = await Rest.CreateDirectAsync(Server, alice, bob);
        using var client = Server.CreateHttpClient(carol);

        var (foreignStatus, foreign) = await Rest.SendRawAsync(client, HttpMethod.Get, $"conversations/{conversation.ConversationId}");
        var (missingStatus, missing) = await Rest.SendRawAsync(client, HttpMethod.Get, "conversations/d_00000000000000000000000000000000");
        var (messagesStatus, _) = await Rest.SendRawAsync(client, HttpMethod.Get, $"conversations/{conversation.ConversationId}/messages");
        var (memberStatus, _) = await Rest.SendRawAsync(client, HttpMethod.Post, $"conversations/{conversation.ConversationId}/members", $$"""{"user_id":"{{carol}}"}""");

        Assert.Equal(HttpStatusCode.NotFound, foreignStatus);
        Assert.Equal(HttpStatusCode.NotFound, missingStatus);
        Assert.Equal(HttpStatusCode.NotFound, messagesStatus);
        Assert.Equal(HttpStatusCode.NotFound, memberStatus);
        Assert.Equal(ErrorCodes.NotFound, foreign!.Error.Code);
        Assert.Equal(missing!.Error, foreign.Error);
    }

    [Fact]
    public async Task Member_gets_the_conversation()
    {
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        var conversation = await Rest.CreateDirectAsync(Server, alice, bob);
        using var client = Server.CreateHttpClient(bob);

        var (status, body) = await Rest.GetAsync(client, $"conversations/{conversation.ConversationId}", ProtocolJsonContext.Default.ConversationBody);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(conversation.ConversationId, body!.ConversationId);
    }

    [Fact]
    public async Task Admin_adds_and_removes_members_and_a_member_may_not()
    {
        var (alice, bob, carol, dave) = (Users.New("alice"), Users.New("bob"), Users.New("carol"), Users.New("dave"));
        var group = await Rest.CreateGroupAsync(Server, alice, "Team", bob, carol);
        using var admin = Server.CreateHttpClient(alice);
        using var member = Server.CreateHttpClient(bob);
        var path = $"conversations/{group.ConversationId}/members";

        var (forbiddenAdd, forbiddenError) = await Rest.SendRawAsync(member, HttpMethod.Post, path, $$"""{"user_id":"{{dave}}"}""");
        var (forbiddenRemove, _) = await Rest.SendRawAsync(member, HttpMethod.Delete, $"{path}/{carol}");
        var (added, afterAdd) = await Rest.SendAsync(admin, HttpMethod.Post, path, new AddMemberRequest(dave), ProtocolJsonContext.Default.AddMemberRequest, ProtocolJsonContext.Default.ConversationBody);
        using var removal = await admin.DeleteAsync($"{path}/{carol}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, forbiddenAdd);
        Assert.Equal(ErrorCodes.Forbidden, forbiddenError!.Error.Code);
        Assert.Equal(HttpStatusCode.Forbidden, forbiddenRemove);
        Assert.Equal(HttpStatusCode.OK, added);
        Assert.Contains(afterAdd!.Members, m => m.UserId == dave && m.Role == ConversationRole.Member);
        Assert.Equal(HttpStatusCode.OK, removal.StatusCode);
        var (_, current) = await Rest.GetAsync(admin, $"conversations/{group.ConversationId}", ProtocolJsonContext.Default.ConversationBody);
        Assert.Equal([alice, bob, dave], current!.Members.Select(m => m.UserId).Order());
    }

    [Fact]
    public async Task Member_may_leave_a_group()
    {
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        var group = await Rest.CreateGroupAsync(Server, alice, "Team", bob);
        using var client = Server.CreateHttpClient(bob);

        using var response = await client.DeleteAsync($"conversations/{group.ConversationId}/members/{bob}", TestContext.Current.CancellationToken);
        var (after, _) = await Rest.SendRawAsync(client, HttpMethod.Get, $"conversations/{group.ConversationId}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, after);
    }

    [Fact]
    public async Task Add_member_without_user_id_is_a_bad_request()
    {
        var alice = Users.New("alice");
        var group = await Rest.CreateGroupAsync(Server, alice, "Team");
        using var client = Server.CreateHttpClient(alice);

        var (status, error) = await Rest.SendRawAsync(client, HttpMethod.Post, $"conversations/{group.ConversationId}/members", "{}");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(ErrorCodes.BadRequest, error!.Error.Code);
    }

    [Fact]
    public async Task Requests_without_authentication_get_401_with_an_error_body()
    {
        using var client = Server.CreateHttpClient(userId: null);

        var (status, error) = await Rest.SendRawAsync(client, HttpMethod.Get, "conversations");

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(ErrorCodes.Unauthorized, error!.Error.Code);
    }

    private static Task<(HttpStatusCode Status, ConversationBody? Body)> CreateAsync(HttpClient client, CreateConversationRequest request) =>
        Rest.SendAsync(client, HttpMethod.Post, "conversations", request, ProtocolJsonContext.Default.CreateConversationRequest, ProtocolJsonContext.Default.ConversationBody);
}
