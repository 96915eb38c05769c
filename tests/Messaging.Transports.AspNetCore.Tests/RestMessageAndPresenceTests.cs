using System.Net;
using Messaging.Protocol;
using Messaging.Testing;

namespace Messaging.Transports.AspNetCore.Tests;

/// <summary>Message pages, receipts, presence, privacy and heartbeat over REST.</summary>
public sealed class RestMessageAndPresenceTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    private ChatServer Server => fixture.Server;

    [Fact]
    public async Task Message_pages_follow_before_after_and_limit()
    {
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        var conversation = await Rest.CreateDirectAsync(Server, alice, bob);
        await using (var a = await Wire.ConnectReadyAsync(Server, alice))
        {
            for (var i = 1; i <= 5; i++)
            {
                await Wire.SendAsync(a, conversation.ConversationId, $"m{i}");
            }
        }

        var id = conversation.ConversationId;
        Assert.Equal("5,4,3,2,1", await SeqsAsync(bob, id, ""));
        Assert.Equal("5,4", await SeqsAsync(bob, id, "?limit=2"));
        Assert.Equal("3,2", await SeqsAsync(bob, id, "?before=4&limit=2"));
        Assert.Equal("3,4", await SeqsAsync(bob, id, "?after=2&limit=2"));
        Assert.Equal("5,4,3,2,1", await SeqsAsync(bob, id, "?limit=1000"));
        var first = (await Rest.MessagesAsync(Server, bob, id, "?after=0&limit=1")).Single();
        Assert.Equal("m1", first.Content);
        Assert.Equal(alice, first.SenderId);
    }

    [Theory]
    [InlineData("?limit=0")]
    [InlineData("?limit=-3")]
    [InlineData("?limit=many")]
    [InlineData("?before=yesterday")]
    [InlineData("?after=1.5")]
    public async Task Invalid_paging_parameters_are_a_bad_request(string query)
    {
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        var conversation = await Rest.CreateDirectAsync(Server, alice, bob);
        using var client = Server.CreateHttpClient(alice);

        var (status, error) = await Rest.SendRawAsync(client, HttpMethod.Get, $"conversations/{conversation.ConversationId}/messages{query}");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(ErrorCodes.BadRequest, error!.Error.Code);
    }

    [Fact]
    public async Task Receipts_show_delivered_and_read_to_the_sender_only()
    {
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        var conversation = await Rest.CreateDirectAsync(Server, alice, bob);
        await using var a = await Wire.ConnectReadyAsync(Server, alice);
        await using var b = await Wire.ConnectReadyAsync(Server, bob);
        var sent = await Wire.SendAsync(a, conversation.ConversationId, "did you read this?");
        await b.SendAsync(new AckUpToFrame(conversation.ConversationId, sent.Seq, DeliveryStatus.Read));
        await a.WaitForAsync<StatusUpdateFrame>(s => s.MessageId == sent.MessageId && s.Status == DeliveryStatus.Read);
        using var aliceClient = Server.CreateHttpClient(alice);
        using var bobClient = Server.CreateHttpClient(bob);

        var (status, receipts) = await Rest.GetAsync(aliceClient, $"messages/{sent.MessageId}/receipts", ProtocolJsonContext.Default.ReceiptsBody);
        var (recipientStatus, recipientError) = await Rest.SendRawAsync(bobClient, HttpMethod.Get, $"messages/{sent.MessageId}/receipts");
        var (missingStatus, _) = await Rest.SendRawAsync(aliceClient, HttpMethod.Get, "messages/no-such-message/receipts");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(sent.MessageId, receipts!.MessageId);
        var receipt = Assert.Single(receipts.Receipts);
        Assert.Equal(bob, receipt.UserId);
        Assert.NotNull(receipt.DeliveredAt);
        Assert.NotNull(receipt.ReadAt);
        Assert.Equal(HttpStatusCode.NotFound, recipientStatus);
        Assert.Equal(ErrorCodes.NotFound, recipientError!.Error.Code);
        Assert.Equal(HttpStatusCode.NotFound, missingStatus);
    }

    [Fact]
    public async Task Presence_respects_the_users_privacy()
    {
        var (alice, bob, stranger) = (Users.New("alice"), Users.New("bob"), Users.New("stranger"));
        var direct = await Rest.CreateDirectAsync(Server, alice, bob);
        await using var b = await Wire.ConnectReadyAsync(Server, bob);
        await using (var a = await Wire.ConnectReadyAsync(Server, alice))
        {
            // Contacts are users who each sent the other a message; the stranger only opened a conversation.
            await Wire.SendAsync(a, direct.ConversationId, "hi bob");
            await Wire.SendAsync(b, direct.ConversationId, "hi alice");
        }

        await Rest.CreateDirectAsync(Server, stranger, bob);
        using var aliceClient = Server.CreateHttpClient(alice);
        using var bobClient = Server.CreateHttpClient(bob);
        using var strangerClient = Server.CreateHttpClient(stranger);
        var path = $"users/{bob}/presence";

        var everyone = await Rest.GetAsync(strangerClient, path, ProtocolJsonContext.Default.PresenceBody);
        Assert.Equal(HttpStatusCode.NoContent, await PutPrivacyAsync(bobClient, LastSeenVisibility.Contacts));
        var contact = await Rest.GetAsync(aliceClient, path, ProtocolJsonContext.Default.PresenceBody);
        var nonContact = await Rest.GetAsync(strangerClient, path, ProtocolJsonContext.Default.PresenceBody);
        Assert.Equal(HttpStatusCode.NoContent, await PutPrivacyAsync(bobClient, LastSeenVisibility.Nobody));
        var hidden = await Rest.GetAsync(aliceClient, path, ProtocolJsonContext.Default.PresenceBody);

        Assert.Equal((HttpStatusCode.OK, new PresenceBody(bob, PresenceState.Online, null)), everyone);
        Assert.Equal((HttpStatusCode.OK, new PresenceBody(bob, PresenceState.Online, null)), contact);
        Assert.Equal((HttpStatusCode.OK, new PresenceBody(bob, PresenceState.Offline, null)), nonContact);
        Assert.Equal((HttpStatusCode.OK, new PresenceBody(bob, PresenceState.Offline, null)), hidden);
    }

    [Theory]
    [InlineData("""{"last_seen":"friends"}""")]
    [InlineData("""{"last_seen":0}""")]
    [InlineData("""{}""")]
    public async Task Invalid_privacy_is_a_bad_request(string body)
    {
        using var client = Server.CreateHttpClient(Users.New("alice"));

        var (status, error) = await Rest.SendRawAsync(client, HttpMethod.Put, "users/me/privacy", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(ErrorCodes.BadRequest, error!.Error.Code);
    }

    [Fact]
    public async Task Heartbeat_marks_the_user_online()
    {
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        using var aliceClient = Server.CreateHttpClient(alice);
        using var bobClient = Server.CreateHttpClient(bob);
        var (before, _) = await Rest.GetAsync(bobClient, $"users/{alice}/presence", ProtocolJsonContext.Default.PresenceBody);

        var (status, _) = await Rest.SendRawAsync(aliceClient, HttpMethod.Post, "presence/heartbeat?device_id=web-1");

        Assert.Equal(HttpStatusCode.OK, before);
        Assert.Equal(HttpStatusCode.NoContent, status);
        var (_, after) = await Rest.GetAsync(bobClient, $"users/{alice}/presence", ProtocolJsonContext.Default.PresenceBody);
        Assert.Equal(PresenceState.Online, after!.Status);
    }

    [Fact]
    public async Task Heartbeat_with_an_invalid_device_id_is_a_bad_request()
    {
        using var client = Server.CreateHttpClient(Users.New("alice"));

        var (status, error) = await Rest.SendRawAsync(client, HttpMethod.Post, "presence/heartbeat?device_id=" + Uri.EscapeDataString("no spaces please"));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(ErrorCodes.BadRequest, error!.Error.Code);
    }

    private async Task<string> SeqsAsync(string userId, string conversationId, string query) =>
        string.Join(',', (await Rest.MessagesAsync(Server, userId, conversationId, query)).Select(m => m.Seq));

    private static async Task<HttpStatusCode> PutPrivacyAsync(HttpClient client, LastSeenVisibility visibility)
    {
        var json = System.Text.Json.JsonSerializer.Serialize(new PrivacyRequest(visibility), ProtocolJsonContext.Default.PrivacyRequest);
        var (status, _) = await Rest.SendRawAsync(client, HttpMethod.Put, "users/me/privacy", json);
        return status;
    }
}
