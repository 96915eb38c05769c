using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Messaging.Tests.Engine;

/// <summary>
/// Concurrent membership changes through the engine: the member limit holds, each change that took effect writes
/// exactly one system message, and a group never loses its last admin.
/// </summary>
public sealed class MembershipRaceTests
{
    private const int Racers = 12;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Concurrent_adds_fill_a_group_up_to_the_limit_and_no_further()
    {
        const int limit = 8;
        await using var harness = await StartRacingAsync(o => o.MaxGroupMembers = limit);
        var group = await harness.CreateGroupAsync("alice");
        var joiners = Enumerable.Range(0, 60).Select(i => $"user{i}").ToArray();

        var outcomes = await Task.WhenAll(joiners.Select(u => Task.Run(async () =>
        {
            try
            {
                await harness.Engine.AddMemberAsync("alice", group, u, Ct);
                return true;
            }
            catch (MessagingValidationException exception) when (exception.Kind == MessagingErrorKind.BadRequest)
            {
                return false;
            }
        })));

        var members = (await harness.Engine.GetConversationAsync("alice", group, Ct)).Conversation.Members;
        Assert.Equal(limit, members.Count);
        Assert.Equal(limit - 1, outcomes.Count(added => added));
        Assert.Equal(limit - 1, (await SystemMessagesAsync(harness, group)).Count(m => m.Content.StartsWith("alice added ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Concurrent_adds_and_removes_of_one_user_write_one_system_message_per_effective_change()
    {
        await using var harness = await StartRacingAsync();
        var group = await harness.CreateGroupAsync("alice", "carol");
        const int rounds = 4;

        // Each wave starts from a known state, so exactly one of its changes can take effect.
        for (var round = 0; round < rounds; round++)
        {
            await RaceAsync(Enumerable.Repeat(true, Racers));
            await RaceAsync(Enumerable.Repeat(false, Racers));
        }

        var system = await SystemMessagesAsync(harness, group);
        Assert.Equal(rounds, system.Count(m => m.Content == "alice added bob"));
        Assert.Equal(rounds, system.Count(m => m.Content == "alice removed bob"));

        // Mixed: whatever the interleaving, the messages match the transitions.
        await RaceAsync(Enumerable.Range(0, 2 * Racers).Select(i => i % 2 == 0));
        system = await SystemMessagesAsync(harness, group);
        var isMember = (await harness.Engine.GetConversationAsync("alice", group, Ct)).Conversation.IsMember("bob");
        Assert.Equal(isMember ? 1 : 0, system.Count(m => m.Content == "alice added bob") - system.Count(m => m.Content == "alice removed bob"));

        Task RaceAsync(IEnumerable<bool> adds) => Task.WhenAll(adds.Select(add => Task.Run(async () =>
        {
            try
            {
                _ = add
                    ? await harness.Engine.AddMemberAsync("alice", group, "bob", Ct)
                    : await harness.Engine.RemoveMemberAsync("alice", group, "bob", Ct);
            }
            catch (MessagingNotFoundException) when (!add)
            {
                // Removing a member who is already gone.
            }
        })));
    }

    [Fact]
    public async Task When_the_only_admin_leaves_the_member_who_joined_first_becomes_admin_and_everyone_is_told()
    {
        await using var harness = await EngineHarness.StartAsync();
        var group = await harness.CreateGroupAsync("alice", "bob", "carol");
        harness.Time.Advance(TimeSpan.FromMinutes(1));
        await harness.Engine.AddMemberAsync("alice", group, "dave", Ct);
        var (_, carol) = await harness.ConnectAsync("carol");

        await harness.Engine.RemoveMemberAsync("alice", group, "alice", Ct);

        var view = await harness.Engine.GetConversationAsync("bob", group, Ct);
        Assert.Equal([("bob", MemberRole.Admin), ("carol", MemberRole.Member), ("dave", MemberRole.Member)], view.Conversation.Members.Select(m => (m.UserId, m.Role)));
        await carol.WaitForAsync(events => events.Messages(group).Any(m => m.Content == "alice left; bob is now an admin"));

        // The new admin can manage the group.
        await harness.Engine.AddMemberAsync("bob", group, "erin", Ct);
        await harness.Engine.RemoveMemberAsync("bob", group, "dave", Ct);
        Assert.Equal(["bob", "carol", "erin"], (await harness.Engine.GetConversationAsync("bob", group, Ct)).Conversation.Members.Select(m => m.UserId));
    }

    [Fact]
    public async Task Members_leaving_while_an_admin_remains_promote_nobody()
    {
        await using var harness = await EngineHarness.StartAsync();
        var group = await harness.CreateGroupAsync("alice", "bob", "carol", "dave");

        await harness.Engine.RemoveMemberAsync("alice", group, "bob", Ct);
        await harness.Engine.RemoveMemberAsync("carol", group, "carol", Ct);

        Assert.Equal([("alice", MemberRole.Admin), ("dave", MemberRole.Member)], (await harness.Engine.GetConversationAsync("dave", group, Ct)).Conversation.Members.Select(m => (m.UserId, m.Role)));
        Assert.Equal(["alice removed bob", "carol left"], (await SystemMessagesAsync(harness, group)).Select(m => m.Content).TakeLast(2));
    }

    // The in-memory roles mostly complete synchronously, so racers on two cores rarely overlap on their own; a yield
    // after each conversation read lets every racer read before any of them changes the membership.
    private static Task<EngineHarness> StartRacingAsync(Action<MessagingOptions>? configure = null)
        => EngineHarness.StartAsync(configure, services => services.AddSingleton<IConversationStore>(new YieldAfterRead(new InMemoryConversationStore())));

    private static async Task<IReadOnlyList<Message>> SystemMessagesAsync(EngineHarness harness, string group)
    {
        var all = new List<Message>();
        long after = 0;
        while (true)
        {
            var page = await harness.Messages.ReadAfterAsync(group, after, 100, Ct);
            if (page.Count == 0)
            {
                return all.Where(m => m.Kind == MessageKind.System).ToList();
            }

            all.AddRange(page);
            after = page[^1].Seq;
        }
    }

    /// <summary>The in-memory store, yielding to the thread pool after each read of a conversation.</summary>
    private sealed class YieldAfterRead(InMemoryConversationStore inner) : ConversationReadDecorator(inner)
    {
        public override async ValueTask<Conversation?> GetAsync(string conversationId, CancellationToken cancellationToken = default)
        {
            var conversation = await base.GetAsync(conversationId, cancellationToken);
            await Task.Yield();
            return conversation;
        }
    }
}
