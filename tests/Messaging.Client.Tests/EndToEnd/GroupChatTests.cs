using Messaging.Client.Tests.TestSupport;
using Messaging.Protocol;
using Messaging.Testing;

namespace Messaging.Client.Tests.EndToEnd;

public sealed class GroupChatTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    private readonly ChatServer _server = fixture.Server;

    [Fact]
    public async Task Every_member_of_a_group_of_three_gets_every_message_in_seq_order()
    {
        var (alice, bob, carol) = await ConnectThreeAsync();
        await using var aliceLifetime = alice;
        await using var bobLifetime = bob;
        await using var carolLifetime = carol;
        var group = await alice.Client.CreateGroupAsync("trio", [bob.UserId, carol.UserId], TestContext.Current.CancellationToken);

        // Concurrent senders: the server orders them; every member must see that one order.
        var members = new[] { alice, bob, carol };
        var sent = await Task.WhenAll(members.Select(m => SendManyAsync(m, group.ConversationId, 10)));

        var bySeq = sent.SelectMany(s => s).ToDictionary(s => s.Seq, s => s.MessageId);
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), bySeq.Keys.Order());
        for (var i = 0; i < members.Length; i++)
        {
            // A member's own messages come back from SendAsync, the others' as events: together, all 30 once.
            var received = await members[i].WaitForMessagesAsync(group.ConversationId, 20);
            var own = sent[i].Select(s => s.Seq).ToHashSet();
            Assert.Equal(bySeq.Keys.Where(seq => !own.Contains(seq)).Order(), received.Select(m => m.Seq));
            Assert.All(received, m => Assert.Equal(bySeq[m.Seq], m.MessageId));
        }

        Assert.Equal(ConversationType.Group, group.Type);
        Assert.Equal(ConversationRole.Admin, group.Members.Single(m => m.UserId == alice.UserId).Role);
    }

    [Fact]
    public async Task A_group_message_is_read_for_the_sender_only_when_every_other_member_read_it()
    {
        var (alice, bob, carol) = await ConnectThreeAsync();
        await using var aliceLifetime = alice;
        await using var bobLifetime = bob;
        await using var carolLifetime = carol;
        var group = await alice.Client.CreateGroupAsync("readers", [bob.UserId, carol.UserId], TestContext.Current.CancellationToken);

        var sent = await alice.Client.SendAsync(group.ConversationId, "did you both read this?", cancellationToken: TestContext.Current.CancellationToken);
        await alice.WaitForAsync<MessageStatusChangedEvent>(e => e.MessageId == sent.MessageId && e.Status == DeliveryStatus.Delivered, "delivered to both");
        await bob.Client.MarkReadAsync(group.ConversationId, sent.Seq, TestContext.Current.CancellationToken);
        var receipts = await WaitForReceiptAsync(alice, sent.MessageId, bob.UserId);

        Assert.DoesNotContain(DeliveryStatus.Read, alice.Statuses(sent.MessageId));
        Assert.Null(receipts.Receipts.Single(r => r.UserId == carol.UserId).ReadAt);

        await carol.Client.MarkReadAsync(group.ConversationId, sent.Seq, TestContext.Current.CancellationToken);
        await alice.WaitForAsync<MessageStatusChangedEvent>(e => e.MessageId == sent.MessageId && e.Status == DeliveryStatus.Read, "read by both");
        Assert.Equal([DeliveryStatus.Sent, DeliveryStatus.Delivered, DeliveryStatus.Read], alice.Statuses(sent.MessageId));
    }

    [Fact]
    public async Task An_admin_adds_and_removes_members_and_a_non_admin_may_not()
    {
        string aliceId = Users.Unique("alice"), bobId = Users.Unique("bob"), daveId = Users.Unique("dave");
        await using var alice = RecordingClient.Create(_server.BaseUri, aliceId);
        await using var bob = RecordingClient.Create(_server.BaseUri, bobId);
        var group = await alice.Client.CreateGroupAsync("club", [bobId], TestContext.Current.CancellationToken);

        var forbidden = await Assert.ThrowsAsync<MessagingClientException>(() => bob.Client.AddMemberAsync(group.ConversationId, daveId, TestContext.Current.CancellationToken));
        var added = await alice.Client.AddMemberAsync(group.ConversationId, daveId, TestContext.Current.CancellationToken);
        var removed = await alice.Client.RemoveMemberAsync(group.ConversationId, daveId, TestContext.Current.CancellationToken);

        Assert.Equal(ErrorCodes.Forbidden, forbidden.Code);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains(added.Members, m => m.UserId == daveId);
        Assert.DoesNotContain(removed.Members, m => m.UserId == daveId);
    }

    private async Task<(RecordingClient Alice, RecordingClient Bob, RecordingClient Carol)> ConnectThreeAsync() => (
        await RecordingClient.ConnectAsync(_server, Users.Unique("alice")),
        await RecordingClient.ConnectAsync(_server, Users.Unique("bob")),
        await RecordingClient.ConnectAsync(_server, Users.Unique("carol")));

    private static async Task<SentMessage[]> SendManyAsync(RecordingClient sender, string conversationId, int count)
    {
        var sent = new SentMessage[count];
        for (var i = 0; i < count; i++)
        {
            sent[i] = await sender.Client.SendAsync(conversationId, $"{sender.UserId} #{i + 1}", cancellationToken: TestContext.Current.CancellationToken);
        }

        return sent;
    }

    // Receipts are written when the read ack is processed; poll the REST view until bob's read shows (bounded).
    private static async Task<ReceiptsBody> WaitForReceiptAsync(RecordingClient sender, string messageId, string readerId)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(RecordingClient.Timeout);
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        while (true)
        {
            var receipts = await sender.Client.GetReceiptsAsync(messageId, timeout.Token);
            if (receipts.Receipts.Single(r => r.UserId == readerId).ReadAt is not null)
            {
                return receipts;
            }

            await tick.WaitForNextTickAsync(timeout.Token);
        }
    }
}
