using Messaging.Client.Tests.TestSupport;
using Messaging.Protocol;
using Messaging.Testing;

namespace Messaging.Client.Tests.EndToEnd;

public sealed class DirectChatTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    private readonly ChatServer _server = fixture.Server;

    [Fact]
    public async Task Alice_and_bob_exchange_messages_in_a_direct_chat()
    {
        await using var chat = await DirectChat.OpenAsync(_server.BaseUri);
        var (alice, bob) = (chat.Alice, chat.Bob);

        var sent = await alice.Client.SendAsync(chat.ConversationId, "Hello, Bob!", cancellationToken: TestContext.Current.CancellationToken);
        var atBob = await bob.WaitForMessagesAsync(chat.ConversationId, 1);
        var reply = await bob.Client.SendAsync(chat.ConversationId, "Hi Alice", cancellationToken: TestContext.Current.CancellationToken);
        var atAlice = await alice.WaitForMessagesAsync(chat.ConversationId, 1);

        Assert.Equal(1, sent.Seq);
        Assert.Equal(sent.MessageId, atBob[0].MessageId);
        Assert.Equal((alice.UserId, "Hello, Bob!", sent.ClientMsgId), (atBob[0].SenderId, atBob[0].Content, atBob[0].ClientMsgId));
        Assert.Equal(2, reply.Seq);
        Assert.Equal((bob.UserId, "Hi Alice", 2L), (atAlice[0].SenderId, atAlice[0].Content, atAlice[0].Seq));
    }

    [Fact]
    public async Task The_sender_sees_sent_then_delivered_then_read()
    {
        await using var chat = await DirectChat.OpenAsync(_server.BaseUri);
        var (alice, bob) = (chat.Alice, chat.Bob);

        var sent = await alice.Client.SendAsync(chat.ConversationId, "read me", cancellationToken: TestContext.Current.CancellationToken);
        await alice.WaitForAsync<MessageStatusChangedEvent>(e => e.MessageId == sent.MessageId && e.Status == DeliveryStatus.Delivered, "delivered");
        await bob.Client.MarkReadAsync(chat.ConversationId, sent.Seq, TestContext.Current.CancellationToken);
        await alice.WaitForAsync<MessageStatusChangedEvent>(e => e.MessageId == sent.MessageId && e.Status == DeliveryStatus.Read, "read");

        Assert.Equal([DeliveryStatus.Sent, DeliveryStatus.Delivered, DeliveryStatus.Read], alice.Statuses(sent.MessageId));
        var receipts = await alice.Client.GetReceiptsAsync(sent.MessageId, TestContext.Current.CancellationToken);
        var bobReceipt = Assert.Single(receipts.Receipts, r => r.UserId == bob.UserId);
        Assert.NotNull(bobReceipt.DeliveredAt);
        Assert.NotNull(bobReceipt.ReadAt);
    }

    [Fact]
    public async Task A_send_the_server_rejects_faults_with_its_error_code()
    {
        string aliceId = Users.Unique("alice"), bobId = Users.Unique("bob");
        await using var alice = await RecordingClient.ConnectAsync(_server, aliceId);
        var chat = await alice.Client.CreateDirectConversationAsync(bobId, TestContext.Current.CancellationToken);

        var notFound = await Assert.ThrowsAsync<MessagingClientException>(() =>
            alice.Client.SendAsync("g_does-not-exist", "hello?", cancellationToken: TestContext.Current.CancellationToken));
        var tooLarge = await Assert.ThrowsAsync<MessagingClientException>(() =>
            alice.Client.SendAsync(chat.ConversationId, new string('x', 20_000), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(ErrorCodes.NotFound, notFound.Code);
        Assert.Equal(ErrorCodes.TooLarge, tooLarge.Code);
        Assert.Equal(0, alice.Client.PendingMessageCount);
    }

    [Fact]
    public async Task A_handshake_without_credentials_is_refused_as_unauthorized()
    {
        await using var anonymous = RecordingClient.Create(_server.BaseUri, "ignored", configure: o => o.AccessTokenProvider = null);

        var error = await Assert.ThrowsAsync<MessagingClientException>(() => anonymous.Client.ConnectAsync(TestContext.Current.CancellationToken));

        Assert.Equal(ErrorCodes.Unauthorized, error.Code);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Equal(ConnectionState.Disconnected, anonymous.Client.State);
    }

    [Fact]
    public async Task Rest_errors_carry_the_server_code_and_http_status()
    {
        await using var alice = RecordingClient.Create(_server.BaseUri, Users.Unique("alice"));

        var error = await Assert.ThrowsAsync<MessagingClientException>(() =>
            alice.Client.GetConversationAsync("g_not-mine", TestContext.Current.CancellationToken));

        Assert.Equal(ErrorCodes.NotFound, error.Code);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Both_users_get_the_same_direct_conversation_and_see_it_in_their_lists()
    {
        string aliceId = Users.Unique("alice"), bobId = Users.Unique("bob");
        await using var alice = RecordingClient.Create(_server.BaseUri, aliceId);
        await using var bob = RecordingClient.Create(_server.BaseUri, bobId);

        var fromAlice = await alice.Client.CreateDirectConversationAsync(bobId, TestContext.Current.CancellationToken);
        var fromBob = await bob.Client.CreateDirectConversationAsync(aliceId, TestContext.Current.CancellationToken);
        var bobsList = await bob.Client.ListConversationsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(fromAlice.ConversationId, fromBob.ConversationId);
        Assert.Equal(ConversationType.Direct, fromBob.Type);
        Assert.Equal([aliceId, bobId], fromBob.Members.Select(m => m.UserId).Order(StringComparer.Ordinal));
        Assert.Contains(bobsList, c => c.ConversationId == fromAlice.ConversationId);
    }
}
