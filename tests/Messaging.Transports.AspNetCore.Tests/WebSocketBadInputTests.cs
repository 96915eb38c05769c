using System.Net;
using Messaging.Protocol;
using Messaging.Testing;

namespace Messaging.Transports.AspNetCore.Tests;

/// <summary>Bad or hostile frames get an <c>error</c> frame, store nothing and leave the connection usable.</summary>
public sealed class WebSocketBadInputTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    private ChatServer Server => fixture.Server;

    [Theory]
    [InlineData("{not json", "Invalid JSON")]
    [InlineData("[1,2,3]", "must be a JSON object")]
    [InlineData("{\"type\":\"teleport\",\"conversation_id\":\"c1\"}", "Unknown frame type")]
    [InlineData("{\"conversation_id\":\"c1\",\"content\":\"hi\",\"client_msg_id\":\"k\"}", "must have a \"type\"")]
    [InlineData("{\"type\":\"message\",\"conversation_id\":\"CONV\",\"content\":\"hi\"}", "missing \"client_msg_id\"")]
    [InlineData("{\"type\":\"message\",\"conversation_id\":\"CONV\",\"client_msg_id\":\"k\"}", "missing \"content\"")]
    [InlineData("{\"type\":\"message\",\"conversation_id\":\"CONV\",\"content\":7,\"client_msg_id\":\"k\"}", "must be a string")]
    [InlineData("{\"type\":\"ack\",\"message_ids\":[\"m\"],\"status\":\"sent\"}", "\"delivered\" or \"read\"")]
    public async Task Malformed_frame_gets_bad_request_stores_nothing_and_the_connection_survives(string json, string expectedMessage)
    {
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        var conversation = await Rest.CreateDirectAsync(Server, alice, bob);
        await using var a = await Wire.ConnectReadyAsync(Server, alice);

        await a.SendTextAsync(json.Replace("CONV", conversation.ConversationId, StringComparison.Ordinal));

        var error = await a.WaitForAsync<ErrorFrame>();
        Assert.Equal(ErrorCodes.BadRequest, error.Code);
        Assert.Contains(expectedMessage, error.Message, StringComparison.Ordinal);
        await a.RoundTripAsync();
        Assert.Empty(await Rest.MessagesAsync(Server, alice, conversation.ConversationId));
    }

    [Fact]
    public async Task Spoofed_sender_id_is_ignored()
    {
        var (alice, bob, mallory) = (Users.New("alice"), Users.New("bob"), Users.New("mallory"));
        var conversation = await Rest.CreateDirectAsync(Server, alice, bob);
        await using var a = await Wire.ConnectReadyAsync(Server, alice);
        await using var b = await Wire.ConnectReadyAsync(Server, bob);

        await a.SendTextAsync($$"""{"type":"message","sender_id":"{{mallory}}","conversation_id":"{{conversation.ConversationId}}","content":"hi","client_msg_id":"spoof"}""");

        var received = await b.WaitForAsync<MessageFrame>(m => m.Message.ClientMsgId == "spoof");
        Assert.Equal(alice, received.Message.SenderId);
        Assert.Equal(alice, Assert.Single(await Rest.MessagesAsync(Server, bob, conversation.ConversationId)).SenderId);
    }

    [Fact]
    public async Task Sending_to_a_conversation_the_user_is_not_in_looks_like_sending_to_none()
    {
        var (alice, bob, carol) = (Users.New("alice"), Users.New("bob"), Users.New("carol"));
        var conversation = await Rest.CreateDirectAsync(Server, alice, bob);
        await using var c = await Wire.ConnectReadyAsync(Server, carol);

        await c.SendAsync(new SendMessageFrame(conversation.ConversationId, "let me in", "intruder"));
        await c.SendAsync(new SendMessageFrame("d_00000000000000000000000000000000", "anyone?", "nobody"));

        var notMember = await c.WaitForAsync<ErrorFrame>(e => e.ClientMsgId == "intruder");
        var missing = await c.WaitForAsync<ErrorFrame>(e => e.ClientMsgId == "nobody");
        Assert.Equal(ErrorCodes.NotFound, notMember.Code);
        Assert.Equal(ErrorCodes.NotFound, missing.Code);
        Assert.Equal(missing.Message, notMember.Message);
        Assert.Empty(await Rest.MessagesAsync(Server, alice, conversation.ConversationId));
    }

    [Fact]
    public async Task Content_over_the_limit_gets_too_large_and_stores_nothing()
    {
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        var conversation = await Rest.CreateDirectAsync(Server, alice, bob);
        await using var a = await Wire.ConnectReadyAsync(Server, alice);
        var limit = new MessagingOptions().MaxContentLength;

        await a.SendAsync(new SendMessageFrame(conversation.ConversationId, new string('x', limit + 1), "big"));

        var error = await a.WaitForAsync<ErrorFrame>(e => e.ClientMsgId == "big");
        Assert.Equal(ErrorCodes.TooLarge, error.Code);
        await Wire.SendAsync(a, conversation.ConversationId, new string('x', limit), "just-fits");
        Assert.Equal(["just-fits"], (await Rest.MessagesAsync(Server, alice, conversation.ConversationId)).Select(m => m.ClientMsgId));
    }

    [Fact]
    public async Task Acks_by_a_non_member_do_not_move_any_watermark()
    {
        var (alice, bob, carol) = (Users.New("alice"), Users.New("bob"), Users.New("carol"));
        var conversation = await Rest.CreateDirectAsync(Server, alice, bob);
        var other = await Rest.CreateDirectAsync(Server, carol, bob);
        await using var a = await Wire.ConnectReadyAsync(Server, alice);
        await using var c = await Wire.ConnectReadyAsync(Server, carol);
        var sent = await Wire.SendAsync(a, conversation.ConversationId, "for bob only");

        await c.SendAsync(new AckMessagesFrame([sent.MessageId], DeliveryStatus.Read));
        await c.SendAsync(new AckUpToFrame(conversation.ConversationId, 1, DeliveryStatus.Read));
        await c.SendAsync(new AckUpToFrame(other.ConversationId, 1, DeliveryStatus.Read));
        await c.RoundTripAsync();

        using var client = Server.CreateHttpClient(alice);
        var (status, receipts) = await Rest.GetAsync(client, $"messages/{sent.MessageId}/receipts", ProtocolJsonContext.Default.ReceiptsBody);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.All(receipts!.Receipts, r => Assert.Null(r.DeliveredAt));
        Assert.All(receipts.Receipts, r => Assert.Null(r.ReadAt));
        Assert.DoesNotContain(receipts.Receipts, r => r.UserId == carol);
        Assert.DoesNotContain(a.Frames.OfType<StatusUpdateFrame>(), s => s.Status != DeliveryStatus.Sent);
    }

    [Fact]
    public async Task Ack_of_a_message_from_another_conversation_does_not_mark_it()
    {
        var (alice, bob, carol) = (Users.New("alice"), Users.New("bob"), Users.New("carol"));
        var shared = await Rest.CreateDirectAsync(Server, alice, bob);
        var carolAndBob = await Rest.CreateDirectAsync(Server, carol, bob);
        await using var a = await Wire.ConnectReadyAsync(Server, alice);
        await using var c = await Wire.ConnectReadyAsync(Server, carol);
        var alicesMessage = await Wire.SendAsync(a, shared.ConversationId, "alice to bob");
        await Wire.SendAsync(c, carolAndBob.ConversationId, "carol to bob");

        await c.SendAsync(new AckMessagesFrame([alicesMessage.MessageId], DeliveryStatus.Read));
        await c.RoundTripAsync();

        var view = await Server.Engine.GetConversationAsync(bob, shared.ConversationId, TestContext.Current.CancellationToken);
        Assert.Equal(1, view.UnreadCount);
        using var client = Server.CreateHttpClient(alice);
        var (_, receipts) = await Rest.GetAsync(client, $"messages/{alicesMessage.MessageId}/receipts", ProtocolJsonContext.Default.ReceiptsBody);
        Assert.All(receipts!.Receipts, r => Assert.Null(r.ReadAt));
    }
}
