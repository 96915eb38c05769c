using Xunit;

namespace Messaging.Tests.Engine;

public sealed class ConversationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Creating_a_direct_conversation_is_idempotent_from_either_side()
    {
        await using var harness = await EngineHarness.StartAsync();

        var first = await harness.Engine.CreateDirectConversationAsync("alice", "bob", Ct);
        var second = await harness.Engine.CreateDirectConversationAsync("bob", "alice", Ct);

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(ConversationIds.Direct("alice", "bob"), first.View.Conversation.Id);
        Assert.Equal(first.View.Conversation, second.View.Conversation);
        Assert.Equal(ConversationKind.Direct, first.View.Conversation.Kind);
        Assert.Equal(["alice", "bob"], first.View.Conversation.Members.Select(m => m.UserId).Order());
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("")]
    public async Task A_direct_conversation_with_oneself_or_nobody_is_a_bad_request(string other)
    {
        await using var harness = await EngineHarness.StartAsync();

        var error = await Assert.ThrowsAsync<MessagingValidationException>(async () => await harness.Engine.CreateDirectConversationAsync("alice", other, Ct));

        Assert.Equal(MessagingErrorKind.BadRequest, error.Kind);
    }

    [Fact]
    public async Task A_group_has_its_creator_as_admin_and_each_member_once()
    {
        await using var harness = await EngineHarness.StartAsync();

        var view = await harness.Engine.CreateGroupAsync("alice", "team", ["bob", "carol", "bob", "alice"], Ct);

        Assert.Equal((ConversationKind.Group, "team"), (view.Conversation.Kind, view.Conversation.Name));
        Assert.Equal([("alice", MemberRole.Admin), ("bob", MemberRole.Member), ("carol", MemberRole.Member)], view.Conversation.Members.Select(m => (m.UserId, m.Role)));
        Assert.Equal((0L, 0L, null), (view.LastSeq, view.UnreadCount, view.LastMessage));
    }

    [Theory]
    [InlineData("", 2)]
    [InlineData("   ", 2)]
    [InlineData("ok", 4)]
    public async Task A_group_without_a_name_or_over_the_member_limit_is_a_bad_request(string name, int members)
    {
        await using var harness = await EngineHarness.StartAsync(o => o.MaxGroupMembers = 4);

        var error = await Assert.ThrowsAsync<MessagingValidationException>(async () => await harness.Engine.CreateGroupAsync("alice", name, [.. Enumerable.Range(0, members).Select(i => $"u{i}")], Ct));

        Assert.Equal(MessagingErrorKind.BadRequest, error.Kind);
        Assert.Empty(await harness.Engine.ListConversationsAsync("alice", cancellationToken: Ct));
    }

    [Fact]
    public async Task An_admin_adds_a_member_with_a_sequenced_system_message_that_the_new_member_receives()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateGroupAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        var (_, bob) = await harness.ConnectAsync("bob");
        var (_, dave) = await harness.ConnectAsync("dave");
        await alice.SendAsync(EventWaits.Text(conversation, "before"), Ct);

        var view = await harness.Engine.AddMemberAsync("alice", conversation, "dave", Ct);
        var later = await alice.SendAsync(EventWaits.Text(conversation, "welcome"), Ct);

        Assert.Contains(view.Conversation.Members, m => m.UserId == "dave" && m.Role == MemberRole.Member);
        await bob.WaitForMessagesAsync(conversation, 3);
        var system = bob.Messages(conversation)[1];
        Assert.Equal((2L, MessageKind.System, "alice added dave", "alice"), (system.Seq, system.Kind, system.Content, system.SenderId));
        await dave.WaitForAsync(events => events.Messages(conversation).Any(m => m.MessageId == later.Message.MessageId));
        Assert.Equal([1L, 2L, 3L], dave.Messages(conversation).Select(m => m.Seq));
    }

    [Fact]
    public async Task Only_admins_add_members_and_non_members_cannot_even_see_the_group()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateGroupAsync("alice", "bob");
        var direct = await harness.CreateDirectAsync("alice", "carol");

        await Assert.ThrowsAsync<MessagingForbiddenException>(async () => await harness.Engine.AddMemberAsync("bob", conversation, "dave", Ct));
        var foreign = await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await harness.Engine.AddMemberAsync("mallory", conversation, "mallory", Ct));
        var missing = await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await harness.Engine.AddMemberAsync("mallory", "no-such-group", "mallory", Ct));
        var toDirect = await Assert.ThrowsAsync<MessagingValidationException>(async () => await harness.Engine.AddMemberAsync("alice", direct, "dave", Ct));

        Assert.Equal(missing.Message, foreign.Message);
        Assert.Equal(MessagingErrorKind.BadRequest, toDirect.Kind);
        Assert.Equal(2, (await harness.Engine.GetConversationAsync("alice", conversation, Ct)).Conversation.Members.Count);
    }

    [Fact]
    public async Task A_member_may_leave_but_only_admins_remove_others_and_a_removed_member_loses_access()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateGroupAsync("alice", "bob", "carol");

        await Assert.ThrowsAsync<MessagingForbiddenException>(async () => await harness.Engine.RemoveMemberAsync("bob", conversation, "carol", Ct));
        await harness.Engine.RemoveMemberAsync("bob", conversation, "bob", Ct);
        var view = await harness.Engine.RemoveMemberAsync("alice", conversation, "carol", Ct);

        Assert.Equal(["alice"], view.Conversation.Members.Select(m => m.UserId));
        Assert.Equal(["bob left", "alice removed carol"], (await harness.Engine.GetMessagesAsync("alice", conversation, new MessagePage(null, 0, 10), Ct)).Select(m => m.Content));
        await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await harness.Engine.GetMessagesAsync("bob", conversation, new MessagePage(null, null, 10), Ct));
        await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await harness.Engine.GetConversationAsync("carol", conversation, Ct));
        Assert.Empty(await harness.Engine.ListConversationsAsync("carol", cancellationToken: Ct));
    }

    [Fact]
    public async Task History_pages_newest_first_before_a_seq_and_ascending_after_one()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");
        var (alice, _) = await harness.ConnectAsync("alice");
        for (var i = 1; i <= 6; i++)
        {
            await alice.SendAsync(EventWaits.Text(conversation, $"m{i}"), Ct);
        }

        Assert.Equal([6L, 5L], await Seqs(new MessagePage(null, null, 2)));
        Assert.Equal([3L, 2L, 1L], await Seqs(new MessagePage(4, null, 10)));
        Assert.Equal([5L, 6L], await Seqs(new MessagePage(null, 4, 10)));
        Assert.Equal([1L, 2L], await Seqs(new MessagePage(null, 0, 2)));

        async Task<IEnumerable<long>> Seqs(MessagePage page)
            => (await harness.Engine.GetMessagesAsync("bob", conversation, page, Ct)).Select(m => m.Seq);
    }

    [Theory]
    [InlineData(null, null, 0)]
    [InlineData(null, null, 101)]
    [InlineData(5L, 1L, 10)]
    [InlineData(0L, null, 10)]
    [InlineData(null, -1L, 10)]
    public async Task Invalid_history_pages_are_bad_requests(long? before, long? after, int limit)
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");

        var error = await Assert.ThrowsAsync<MessagingValidationException>(async () => await harness.Engine.GetMessagesAsync("alice", conversation, new MessagePage(before, after, limit), Ct));

        Assert.Equal(MessagingErrorKind.BadRequest, error.Kind);
    }

    [Fact]
    public async Task Reading_a_conversation_of_others_or_none_fails_with_the_same_not_found()
    {
        await using var harness = await EngineHarness.StartAsync();
        var conversation = await harness.CreateDirectAsync("alice", "bob");

        var foreign = await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await harness.Engine.GetMessagesAsync("mallory", conversation, new MessagePage(null, null, 10), Ct));
        var missing = await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await harness.Engine.GetMessagesAsync("mallory", "no-such-conversation", new MessagePage(null, null, 10), Ct));
        var view = await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await harness.Engine.GetConversationAsync("mallory", conversation, Ct));

        Assert.Equal(missing.Message, foreign.Message);
        Assert.Equal(missing.Message, view.Message);
    }

    [Fact]
    public async Task The_list_is_ordered_by_last_activity_with_unread_counts_and_last_messages()
    {
        await using var harness = await EngineHarness.StartAsync();
        var withBob = await harness.CreateDirectAsync("alice", "bob");
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        var withCarol = await harness.CreateDirectAsync("alice", "carol");
        var (bob, _) = await harness.ConnectAsync("bob");
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        var sent = await bob.SendAsync(EventWaits.Text(withBob, "ping"), Ct);

        var list = await harness.Engine.ListConversationsAsync("alice", cancellationToken: Ct);
        var limited = await harness.Engine.ListConversationsAsync("alice", 1, Ct);

        Assert.Equal([withBob, withCarol], list.Select(v => v.Conversation.Id));
        Assert.Equal((1L, 1L, sent.Message.MessageId, sent.Message.Timestamp), (list[0].LastSeq, list[0].UnreadCount, list[0].LastMessage!.MessageId, list[0].LastActivity));
        Assert.Equal((0L, 0L, null), (list[1].LastSeq, list[1].UnreadCount, list[1].LastMessage));
        Assert.Equal([withBob], limited.Select(v => v.Conversation.Id));
        await Assert.ThrowsAsync<MessagingValidationException>(async () => await harness.Engine.ListConversationsAsync("alice", 0, Ct));
    }
}
