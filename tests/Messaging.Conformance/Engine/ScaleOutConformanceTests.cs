using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Messaging.Conformance;

/// <summary>
/// Two engines on one <see cref="MessagingBackplane"/> act as two gateway nodes: users connected to different nodes
/// exchange direct and group messages (write path and read path), receipts, typing and presence, and catch up.
/// Inherit and supply <see cref="CreateBackplaneAsync"/>; every id is fresh, so a shared server is fine.
/// </summary>
/// <remarks>
/// The nodes use <see cref="WritePathMaxMembers"/> = 3, so a group of 3 is served by the write path and a group of 4
/// by the read path. Capabilities read: <see cref="AdapterCapabilities.MultiNode"/> is not required, because both nodes
/// share the backplane's instances; an adapter whose instances are per node registers them in <see cref="ConfigureNode"/>.
/// </remarks>
public abstract class ScaleOutConformanceTests : ConformanceSuite
{
    /// <summary>The write-path threshold of both nodes.</summary>
    protected const int WritePathMaxMembers = 3;

    private readonly List<MessagingSession> _sessions = [];
    private EngineCluster? _cluster;

    /// <summary>Creates the roles both nodes share.</summary>
    /// <returns>The backplane and stores.</returns>
    protected abstract ValueTask<MessagingBackplane> CreateBackplaneAsync();

    /// <summary>Registers per-node services before the shared ones (for example a transport instance per node).</summary>
    /// <param name="services">The node's services.</param>
    /// <param name="nodeIndex">0 or 1.</param>
    protected virtual void ConfigureNode(IServiceCollection services, int nodeIndex)
    {
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        // Sessions, then the nodes, then what the test tracked (an adapter's connections outlive the engines using them).
        foreach (var session in _sessions)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>A direct message crosses nodes; delivered and read receipts come back across them.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Direct_message_crosses_nodes_with_sent_delivered_and_read_receipts()
    {
        var (b, conversation, alice, bob) = await StartDirectChatAsync();

        var sent = await alice.Session.SendAsync(new SendMessageRequest(conversation, "hello across nodes", NewId("cmid")), Token);
        await WaitForAsync(bob.Connection.WhenMessageAsync(sent.Message.MessageId), "the message on the other node");
        await WaitForAsync(alice.Connection.WhenAsync(HasStatus(sent.Message, ReceiptStatus.Sent)), "the sent status");

        await bob.Session.AckUpToAsync(conversation, sent.Message.Seq, ReceiptStatus.Delivered, Token);
        await WaitForAsync(alice.Connection.WhenAsync(HasStatus(sent.Message, ReceiptStatus.Delivered)), "the delivered status from the other node");
        await bob.Session.AckAsync([sent.Message.MessageId], ReceiptStatus.Read, Token);
        await WaitForAsync(alice.Connection.WhenAsync(HasStatus(sent.Message, ReceiptStatus.Read)), "the read status from the other node");

        Assert.False(sent.Duplicate);
        Assert.Equal(sent.Message, Assert.Single(bob.Connection.Events.OfType<MessageEvent>()).Message);
        Assert.Equal(0, (await b.GetConversationAsync(bob.UserId, conversation, Token)).UnreadCount);
    }

    /// <summary>Group messages reach every member on both nodes, below and above the write-path threshold.</summary>
    /// <param name="members">The group size (3: write path; 4: read path).</param>
    /// <returns>A task that completes when verified.</returns>
    [Theory]
    [InlineData(WritePathMaxMembers)]
    [InlineData(WritePathMaxMembers + 1)]
    public async Task Group_messages_reach_members_on_both_nodes_in_order(int members)
    {
        var nodes = await StartAsync();
        var users = Enumerable.Range(0, members).Select(i => NewId($"user{i}")).ToArray();
        var group = (await nodes.A.CreateGroupAsync(users[0], "team", users[1..], Token)).Conversation.Id;
        var sessions = new List<(MessagingSession Session, RecordingClientConnection Connection)>();
        for (var i = 0; i < members; i++)
        {
            sessions.Add(await ConnectAsync(i % 2 == 0 ? nodes.A : nodes.B, users[i], "phone"));
        }

        var sent = new List<Message>();
        for (var round = 0; round < 3; round++)
        {
            foreach (var (session, _) in sessions)
            {
                sent.Add((await session.SendAsync(new SendMessageRequest(group, $"round {round}", NewId("cmid")), Token)).Message);
            }
        }

        Assert.Equal(sent.Select(m => m.Seq).Order(), sent.Select(m => m.Seq).Distinct());
        foreach (var (session, connection) in sessions)
        {
            var expected = sent.Where(m => m.SenderId != session.UserId).ToList();
            await WaitForAsync(connection.WhenAsync(events => ReceivedIds(events, group).IsSupersetOf(expected.Select(m => m.MessageId))), $"{expected.Count} group messages at {session.UserId}");
            var seqs = FirstArrivals(connection.Events, group).Select(m => m.Seq).ToList();
            Assert.Equal(seqs.Order(), seqs);
        }
    }

    /// <summary>A member added through one node receives the group's later messages on the other node.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Member_added_on_one_node_receives_later_messages_on_the_other()
    {
        var (a, b) = await StartAsync();
        var users = Enumerable.Range(0, WritePathMaxMembers + 1).Select(i => NewId($"user{i}")).ToArray();
        var group = (await a.CreateGroupAsync(users[0], "team", users[1..^1], Token)).Conversation.Id;
        var (adminSession, _) = await ConnectAsync(a, users[0], "phone");
        var (_, joinerConnection) = await ConnectAsync(b, users[^1], "phone");

        await a.AddMemberAsync(users[0], group, users[^1], Token);
        var sent = await adminSession.SendAsync(new SendMessageRequest(group, "welcome", NewId("cmid")), Token);

        await WaitForAsync(joinerConnection.WhenMessageAsync(sent.Message.MessageId), "the message after joining (now read path)");
    }

    /// <summary>
    /// A member removed through one node gets everything up to the removal on the other (live, and by catch-up on a
    /// device that was offline), then nothing more.
    /// </summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Member_removed_on_one_node_gets_up_to_the_removal_on_the_other_then_nothing()
    {
        var (a, b) = await StartAsync();
        var users = Enumerable.Range(0, WritePathMaxMembers + 1).Select(i => NewId($"user{i}")).ToArray();
        var group = (await a.CreateGroupAsync(users[0], "team", users[1..], Token)).Conversation.Id;
        var (adminSession, _) = await ConnectAsync(a, users[0], "phone");
        var (_, leaverConnection) = await ConnectAsync(b, users[1], "phone");
        var (_, stayerConnection) = await ConnectAsync(b, users[2], "phone");
        var before = await adminSession.SendAsync(new SendMessageRequest(group, "before removal", NewId("cmid")), Token);

        var removal = await a.RemoveMemberAsync(users[0], group, users[1], Token);
        var after = await adminSession.SendAsync(new SendMessageRequest(group, "after removal", NewId("cmid")), Token);
        await WaitForAsync(stayerConnection.WhenMessageAsync(after.Message.MessageId), "the message at a remaining member on the same node");
        await WaitForAsync(leaverConnection.WhenAsync(events => events.OfType<MessageEvent>().Any(e => e.Message.ConversationId == group && e.Message.Seq == removal.LastSeq)), "the removal at the removed member");
        var (_, offlineDevice) = await ConnectAsync(b, users[1], "tablet");

        Assert.DoesNotContain(leaverConnection.Events.OfType<MessageEvent>(), e => e.Message.ConversationId == group && e.Message.Seq > removal.LastSeq);
        Assert.Equal(
            [before.Message.Seq, removal.LastSeq],
            offlineDevice.Events.OfType<MessageEvent>().Where(e => e.Message.ConversationId == group).Select(e => e.Message.Seq));
    }

    /// <summary>Typing crosses nodes to the other members and is never stored.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Typing_crosses_nodes_and_is_never_stored()
    {
        var (b, conversation, alice, bob) = await StartDirectChatAsync();

        await bob.Session.SetTypingAsync(conversation, true, Token);

        await WaitForAsync(alice.Connection.WhenAsync(events => events.Contains(new TypingEvent(conversation, bob.UserId, true))), "the typing indicator on the other node");
        Assert.DoesNotContain(bob.Connection.Events, e => e is TypingEvent);
        Assert.Empty(await b.GetMessagesAsync(bob.UserId, conversation, new MessagePage(null, null, 100), Token));
    }

    /// <summary>A member who was offline catches up on either node, in seq order, before the sync completes.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Offline_member_catches_up_on_the_other_node_in_seq_order()
    {
        var (a, b) = await StartAsync();
        var users = Enumerable.Range(0, WritePathMaxMembers + 1).Select(i => NewId($"user{i}")).ToArray();
        var group = (await a.CreateGroupAsync(users[0], "team", users[1..], Token)).Conversation.Id;
        var (senderSession, _) = await ConnectAsync(a, users[0], "phone");
        var sent = new List<Message>();
        for (var i = 0; i < 12; i++)
        {
            sent.Add((await senderSession.SendAsync(new SendMessageRequest(group, $"m{i}", NewId("cmid")), Token)).Message);
        }

        var (_, late) = await ConnectAsync(b, users[3], "laptop");

        var syncIndex = late.Events.ToList().FindIndex(e => e is SyncCompleteEvent);
        var caughtUp = late.Events.Take(syncIndex).OfType<MessageEvent>().Where(e => e.Message.Kind == MessageKind.Text).Select(e => e.Message).ToList();
        Assert.Equal(sent, caughtUp);
        Assert.Equal(sent[^1].Seq, ((SyncCompleteEvent)late.Events[syncIndex]).Cursors[group]);
    }

    /// <summary>Sends from both nodes into one conversation get unique, gap-free seqs and arrive everywhere in order.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Concurrent_sends_from_both_nodes_are_sequenced_gap_free_and_delivered_in_order()
    {
        var (_, conversation, alice, bob) = await StartDirectChatAsync();

        var sends = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
        {
            var session = (i % 2 == 0 ? alice : bob).Session;
            return (await session.SendAsync(new SendMessageRequest(conversation, $"m{i}", NewId("cmid")), Token)).Message;
        })));

        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), sends.Select(m => m.Seq).Order());
        foreach (var party in new[] { alice, bob })
        {
            var expected = sends.Where(m => m.SenderId != party.UserId).Select(m => m.MessageId).ToList();
            await WaitForAsync(party.Connection.WhenAsync(events => ReceivedIds(events, conversation).IsSupersetOf(expected)), $"20 messages at {party.UserId}");
            var seqs = FirstArrivals(party.Connection.Events, conversation).Select(m => m.Seq).ToList();
            Assert.Equal(seqs.Order(), seqs);
        }
    }

    /// <summary>A presence change on one node reaches a watcher on the other.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Presence_of_a_user_on_one_node_reaches_a_watcher_on_the_other()
    {
        var (a, b) = await StartAsync();
        var (alice, bob) = (NewId("alice"), NewId("bob"));
        await a.CreateDirectConversationAsync(alice, bob, Token);
        var (bobSession, bobConnection) = await ConnectAsync(b, bob, "phone");
        await bobSession.SubscribePresenceAsync([alice], Token);
        await WaitForAsync(bobConnection.WhenAsync(events => events.Contains(new PresenceEvent(new PresenceInfo(alice, PresenceStatus.Offline, null)))), "alice's initial presence");

        var (aliceSession, _) = await ConnectAsync(a, alice, "phone");
        await WaitForAsync(bobConnection.WhenAsync(events => events.Contains(new PresenceEvent(new PresenceInfo(alice, PresenceStatus.Online, null)))), "alice online, from the other node");

        await aliceSession.DisposeAsync();
        await WaitForAsync(bobConnection.WhenAsync(events => events.OfType<PresenceEvent>().Any(p => p.Presence.UserId == alice && p.Presence.Status == PresenceStatus.Offline && p.Presence.LastSeen is not null)), "alice offline with last seen, after the grace period");
    }

    /// <summary>Options of both nodes: a low write-path threshold and quick presence, so tests never wait long.</summary>
    /// <param name="options">The options.</param>
    protected virtual void ConfigureOptions(MessagingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.WritePathMaxMembers = WritePathMaxMembers;
        options.PresenceGracePeriod = TimeSpan.FromMilliseconds(100);
        options.PresenceSweepInterval = TimeSpan.FromMilliseconds(50);
    }

    private static Func<IReadOnlyList<ClientEvent>, bool> HasStatus(Message message, ReceiptStatus status)
        => events => events.OfType<StatusEvent>().Any(s => s.MessageId == message.MessageId && s.Status == status);

    private static HashSet<string> ReceivedIds(IReadOnlyList<ClientEvent> events, string conversationId)
        => [.. events.OfType<MessageEvent>().Where(e => e.Message.ConversationId == conversationId).Select(e => e.Message.MessageId)];

    private static IEnumerable<Message> FirstArrivals(IReadOnlyList<ClientEvent> events, string conversationId)
        => events.OfType<MessageEvent>().Select(e => e.Message).Where(m => m.ConversationId == conversationId).DistinctBy(m => m.MessageId);

    private async Task<(MessagingEngine A, MessagingEngine B)> StartAsync()
    {
        var backplane = await CreateBackplaneAsync();
        _cluster = await EngineCluster.StartAsync(backplane, 2, ConfigureOptions, ConfigureNode, Token);
        return (_cluster.Nodes[0], _cluster.Nodes[1]);
    }

    // Alice on node 0 and Bob on node 1, both connected, with their direct conversation.
    private async Task<(MessagingEngine B, string Conversation, Party Alice, Party Bob)> StartDirectChatAsync()
    {
        var (a, b) = await StartAsync();
        var (alice, bob) = (NewId("alice"), NewId("bob"));
        var conversation = (await a.CreateDirectConversationAsync(alice, bob, Token)).View.Conversation.Id;
        var (aliceSession, aliceConnection) = await ConnectAsync(a, alice, "phone");
        var (bobSession, bobConnection) = await ConnectAsync(b, bob, "phone");
        return (b, conversation, new Party(alice, aliceSession, aliceConnection), new Party(bob, bobSession, bobConnection));
    }

    private async Task<(MessagingSession Session, RecordingClientConnection Connection)> ConnectAsync(MessagingEngine node, string userId, string deviceId)
    {
        var connection = new RecordingClientConnection();
        var session = await node.ConnectAsync(userId, deviceId, connection, Token);
        _sessions.Add(session);
        await WaitForAsync(connection.WhenSyncCompletedAsync(), $"the first sync of {userId}/{deviceId}");
        return (session, connection);
    }

    private sealed record Party(string UserId, MessagingSession Session, RecordingClientConnection Connection);
}
