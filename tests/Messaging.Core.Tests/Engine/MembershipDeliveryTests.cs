using Messaging.Conformance;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Messaging.Tests.Engine;

/// <summary>What a member removed from a group (and added again) receives, live and by catch-up, on every device.</summary>
public sealed class MembershipDeliveryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(100)]
    [InlineData(2)]
    public async Task A_removed_member_gets_everything_up_to_the_removal_on_every_device_then_nothing(int writePathMaxMembers)
    {
        await using var harness = await EngineHarness.StartAsync(o => o.WritePathMaxMembers = writePathMaxMembers);
        var group = await harness.CreateGroupAsync("alice", "bob", "carol");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (_, carol) = await harness.ConnectAsync("carol");
        var (laptopSession, laptop) = await harness.ConnectAsync("bob", "laptop");
        await alice.SendTextsAsync(group, 2, "before");

        await harness.Engine.RemoveMemberAsync("alice", group, "bob", Ct);
        var after = (await alice.SendAsync(EventWaits.Text(group, "after"), Ct)).Message;
        await carol.WaitForAsync(events => events.Messages(group).Any(m => m.MessageId == after.MessageId));

        // Live: up to and including the removal; a sync afterwards adds nothing.
        await laptop.WaitForMessagesAsync(group, 3);
        await laptopSession.SyncAsync(null, Ct);
        await laptop.WhenSyncCompletedAsync(2).WaitAsync(EngineHarness.Timeout, Ct);
        Assert.Equal([1L, 2L, 3L], laptop.Messages(group).Select(m => m.Seq).Distinct());
        Assert.Equal(MessageKind.System, laptop.Messages(group)[^1].Kind);

        // Catch-up on a device that was offline the whole time: the same, and the cursor stops at the removal.
        var (_, phone) = await harness.ConnectAsync("bob", "phone");
        Assert.Equal([1L, 2L, 3L], phone.Messages(group).Select(m => m.Seq));
        Assert.Equal(3, Assert.IsType<SyncCompleteEvent>(phone.Events[^1]).Cursors[group]);

        // The REST side shows nothing of it any more.
        Assert.DoesNotContain(await harness.Engine.ListConversationsAsync("bob", 100, Ct), v => v.Conversation.Id == group);
        await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await harness.Engine.GetConversationAsync("bob", group, Ct));
        await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await harness.Engine.GetMessagesAsync("bob", group, new MessagePage(null, null, 50), Ct));
    }

    [Fact]
    public async Task Adding_a_removed_member_again_restores_live_delivery_and_the_conversation_list()
    {
        await using var harness = await EngineHarness.StartAsync();
        var group = await harness.CreateGroupAsync("alice", "bob", "carol");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (_, bob) = await harness.ConnectAsync("bob");
        await harness.Engine.RemoveMemberAsync("alice", group, "bob", Ct);
        await bob.WaitForMessagesAsync(group, 1);

        await harness.Engine.AddMemberAsync("alice", group, "bob", Ct);
        var back = (await alice.SendAsync(EventWaits.Text(group, "welcome back"), Ct)).Message;

        await bob.WaitForAsync(events => events.Messages(group).Any(m => m.MessageId == back.MessageId));
        Assert.Contains(await harness.Engine.ListConversationsAsync("bob", 100, Ct), v => v.Conversation.Id == group);
        var (_, phone) = await harness.ConnectAsync("bob", "phone");
        Assert.Contains(phone.Messages(group), m => m.MessageId == back.MessageId);
    }

    [Fact]
    public async Task Messages_lost_on_the_way_to_a_conversations_followers_are_filled_from_the_store_when_the_node_stops_following()
    {
        // Read path (3 members > 2) until carol leaves; what was published to the conversation's followers meanwhile is lost.
        var transport = new LossyTransport(new InMemoryMessageTransport());
        await using var harness = await ClusterHarness.StartAsync(2, transport, o => o.WritePathMaxMembers = 2);
        var group = await harness.CreateGroupAsync("alice", "bob", "carol");
        var (alice, _) = await harness.ConnectAsync(0, "alice");
        var (_, bob) = await harness.ConnectAsync(1, "bob");

        transport.DropConversationChannels = true;
        await alice.SendAsync(EventWaits.Text(group, "lost in flight"), Ct);
        await harness.Nodes[0].RemoveMemberAsync("alice", group, "carol", Ct);
        transport.DropConversationChannels = false;

        // Now on the write path; no later message fills the gap, only the refill after the interest change can.
        await bob.WaitForMessagesAsync(group, 2);
        Assert.Equal([1L, 2L], bob.Messages(group).Select(m => m.Seq));
    }

    /// <summary>A backplane that loses what is published to a conversation's followers (the read path) while asked to.</summary>
    private sealed class LossyTransport(IMessageTransport inner) : IMessageTransport
    {
        public bool DropConversationChannels { get; set; }

        public ValueTask PublishAsync(IReadOnlyCollection<string> nodeIds, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
            => DropConversationChannels && EnvelopeCodec.Decode(payload.Span).Audience.Followers is { Kind: FollowKind.Conversation }
                ? ValueTask.CompletedTask
                : inner.PublishAsync(nodeIds, payload, cancellationToken);

        public ValueTask<IAsyncDisposable> OpenInboxAsync(string nodeId, InboxHandler handler, CancellationToken cancellationToken = default)
            => inner.OpenInboxAsync(nodeId, handler, cancellationToken);
    }
}
