using System.Diagnostics;
using Messaging.Client;
using Messaging.Protocol;
using Messaging.ScaleOut.Tests.Infrastructure;

namespace Messaging.ScaleOut.Tests.Chat;

/// <summary>Users on different gateways of one Redis-backed cluster chat as if they shared one server.</summary>
public sealed class CrossGatewayChatTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private Gateways Gateways => cluster.Gateways;

    [Fact]
    public async Task Direct_chat_across_gateways_delivers_in_order_with_receipts_and_typing()
    {
        await using var alice = await ChatUser.ConnectAsync(Gateways, 0, "alice");
        await using var bob = await ChatUser.ConnectAsync(Gateways, 1, "bob");
        var chat = await alice.Client.CreateDirectConversationAsync(bob.UserId, TestContext.Current.CancellationToken);

        var sent = new List<SentMessage>();
        for (var i = 0; i < 5; i++)
        {
            sent.Add(await alice.Client.SendAsync(chat.ConversationId, $"hello {i}", cancellationToken: TestContext.Current.CancellationToken));
        }

        var received = await bob.WaitForMessagesAsync(chat.ConversationId, 5);
        Assert.Equal(sent.Select(s => s.MessageId), received.Select(m => m.MessageId));
        Assert.Equal([1L, 2, 3, 4, 5], received.Select(m => m.Seq));

        // Bob's client acknowledges delivery by itself; the sender's gateway hears it through Redis.
        await alice.WaitForAsync<MessageStatusChangedEvent>(e => e.MessageId == sent[^1].MessageId && e.Status == DeliveryStatus.Delivered, "delivered");
        await bob.Client.MarkReadAsync(chat.ConversationId, sent[^1].Seq, TestContext.Current.CancellationToken);
        await alice.WaitForAsync<MessageStatusChangedEvent>(e => e.MessageId == sent[^1].MessageId && e.Status == DeliveryStatus.Read, "read");

        await bob.Client.NotifyTypingAsync(chat.ConversationId, TestContext.Current.CancellationToken);
        var typing = await alice.WaitForAsync<TypingChangedEvent>(e => e.ConversationId == chat.ConversationId && e.IsTyping, "typing");
        Assert.Equal(bob.UserId, typing.UserId);
    }

    [Fact]
    public async Task Contacts_only_presence_across_gateways_needs_a_message_from_each_side_and_is_then_pushed()
    {
        var token = TestContext.Current.CancellationToken;
        await using var bob = await ChatUser.ConnectAsync(Gateways, 0, "bob");
        await using var carol = await ChatUser.ConnectAsync(Gateways, 1, "carol");
        await bob.Client.SetPrivacyAsync(LastSeenVisibility.Contacts, token);
        var chat = await carol.Client.CreateDirectConversationAsync(bob.UserId, token);
        await carol.Client.SendAsync(chat.ConversationId, "hi bob", cancellationToken: token);
        await carol.Client.SubscribePresenceAsync([bob.UserId], token);
        var first = await carol.WaitForAsync<PresenceChangedEvent>(e => e.UserId == bob.UserId, "bob's presence");

        // Opening the chat and writing into it is not enough: bob has not answered.
        Assert.Equal((PresenceState.Offline, (DateTimeOffset?)null), (first.Status, first.LastSeen));
        Assert.Equal(new PresenceBody(bob.UserId, PresenceState.Offline, null), await carol.Client.GetPresenceAsync(bob.UserId, token));

        await bob.WaitForMessagesAsync(chat.ConversationId, 1);
        await bob.Client.SendAsync(chat.ConversationId, "hi carol", cancellationToken: token);

        // The answer, written on the other gateway, makes them contacts: bob's presence is pushed to carol at once.
        await carol.WaitForAsync<PresenceChangedEvent>(e => e.UserId == bob.UserId && e.Status == PresenceState.Online, "bob online once they are contacts");
        Assert.Equal(new PresenceBody(bob.UserId, PresenceState.Online, null), await carol.Client.GetPresenceAsync(bob.UserId, token));
    }

    [Fact]
    public async Task Groups_on_the_write_path_and_on_the_read_path_reach_members_on_every_gateway()
    {
        var users = new List<ChatUser>();
        try
        {
            for (var i = 0; i < Gateways.WritePathMaxMembers + 2; i++)
            {
                users.Add(await ChatUser.ConnectAsync(Gateways, i % 3, $"member{i}"));
            }

            var small = await users[0].Client.CreateGroupAsync("small", [users[1].UserId, users[2].UserId], TestContext.Current.CancellationToken);
            var large = await users[0].Client.CreateGroupAsync("large", users.Skip(1).Select(u => u.UserId), TestContext.Current.CancellationToken);
            Assert.True(small.Members.Count <= Gateways.WritePathMaxMembers, "the small group uses the write path");
            Assert.True(large.Members.Count > Gateways.WritePathMaxMembers, "the large group uses the read path");

            foreach (var group in new[] { small, large })
            {
                var members = users.Where(u => group.Members.Any(m => m.UserId == u.UserId)).ToArray();
                for (var i = 0; i < members.Length; i++)
                {
                    await members[i].Client.SendAsync(group.ConversationId, $"from {i}", cancellationToken: TestContext.Current.CancellationToken);
                }

                foreach (var member in members)
                {
                    var received = await member.WaitForMessagesAsync(group.ConversationId, members.Length - 1);
                    Assert.Equal(members.Length - 1, received.Count(m => m.SenderId != member.UserId));
                    Assert.Equal(received.Select(m => m.Seq).Order(), received.Select(m => m.Seq));
                }

                // Read by everybody else: the first sender sees its message read.
                foreach (var member in members.Skip(1))
                {
                    await member.Client.MarkReadAsync(group.ConversationId, members.Length, TestContext.Current.CancellationToken);
                }

                await members[0].WaitForAsync<MessageStatusChangedEvent>(e => e.ConversationId == group.ConversationId && e.Seq == 1 && e.Status == DeliveryStatus.Read, $"{group.Name} read by all");
            }
        }
        finally
        {
            foreach (var user in users)
            {
                await user.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Presence_changes_reach_a_peer_on_another_gateway_in_under_a_second()
    {
        await using var bob = await ChatUser.ConnectAsync(Gateways, 2, "bob");
        var alice = await ChatUser.ConnectAsync(Gateways, 0, "alice");
        try
        {
            await alice.Client.CreateDirectConversationAsync(bob.UserId, TestContext.Current.CancellationToken);
            await bob.Client.SubscribePresenceAsync([alice.UserId], TestContext.Current.CancellationToken);
            await bob.WaitForAsync<PresenceChangedEvent>(e => e.UserId == alice.UserId && e.Status == PresenceState.Online, "alice online");

            var offline = Stopwatch.StartNew();
            await alice.DisposeAsync();
            var seen = await bob.WaitForAsync<PresenceChangedEvent>(e => e.UserId == alice.UserId && e.Status == PresenceState.Offline, "alice offline");
            offline.Stop();
            Assert.NotNull(seen.LastSeen);
            Assert.True(offline.Elapsed < TimeSpan.FromSeconds(1), $"offline took {offline.Elapsed.TotalMilliseconds:F0} ms (grace {Gateways.PresenceGrace.TotalMilliseconds} ms)");

            var online = Stopwatch.StartNew();
            await using var again = await ChatUser.ConnectAsync(Gateways, 1, alice.UserId, existing: true);
            await bob.WaitUntilAsync(
                events => events.OfType<PresenceChangedEvent>().SkipWhile(e => e != seen).Any(e => e.UserId == alice.UserId && e.Status == PresenceState.Online),
                "alice online again");
            online.Stop();
            Assert.True(online.Elapsed < TimeSpan.FromSeconds(1), $"online took {online.Elapsed.TotalMilliseconds:F0} ms");
        }
        finally
        {
            await alice.DisposeAsync();
        }
    }
}
