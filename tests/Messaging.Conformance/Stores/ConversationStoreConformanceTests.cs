using FsCheck.Fluent;
using Xunit;

namespace Messaging.Conformance;

/// <summary>
/// The laws of <see cref="IConversationStore"/> and the <see cref="IConversationIndex"/> over its data: idempotent
/// create by id, atomic membership changes mirrored in each user's list (within the member limit, one effective change
/// per transition, a new admin when the last one leaves), a list ordered by last activity when read, and activity that
/// never moves backwards. Inherit and supply <see cref="CreateAsync"/> and <see cref="IndexOf"/>.
/// </summary>
/// <remarks>Capabilities read: <see cref="AdapterCapabilities.SurvivesRestart"/>.</remarks>
public abstract class ConversationStoreConformanceTests : ConformanceSuite
{
    private static readonly DateTimeOffset Epoch = new(2024, 1, 15, 10, 30, 0, TimeSpan.Zero);

    // A member limit no test reaches unless it means to.
    private const int NoLimit = 1_000;

    /// <summary>Creates a conversation store. With <see cref="AdapterCapabilities.SurvivesRestart"/>, instances share their data.</summary>
    /// <returns>The store under test.</returns>
    protected abstract ValueTask<IConversationStore> CreateAsync();

    /// <summary>The conversation index of the same adapter, over the data of <paramref name="store"/>.</summary>
    /// <param name="store">A store <see cref="CreateAsync"/> returned.</param>
    /// <returns>The index under test.</returns>
    protected abstract IConversationIndex IndexOf(IConversationStore store);

    /// <summary>A group conversation with a fresh id whose first member is its admin.</summary>
    /// <param name="members">The member ids.</param>
    /// <returns>The conversation.</returns>
    protected static Conversation NewGroup(params string[] members)
        => new()
        {
            Id = NewId("group"),
            Kind = ConversationKind.Group,
            Name = "group",
            Members = [.. members.Select((m, i) => new ConversationMember(m, i == 0 ? MemberRole.Admin : MemberRole.Member, Epoch))],
            CreatedAt = Epoch,
        };

    /// <summary>Creating an existing id returns the stored conversation and reports that nothing was created.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Create_is_idempotent_by_conversation_id()
    {
        var store = await NewStoreAsync();
        var (alice, bob) = (NewId("alice"), NewId("bob"));
        var direct = new Conversation
        {
            Id = ConversationIds.Direct(alice, bob),
            Kind = ConversationKind.Direct,
            Members = [new(alice, MemberRole.Member, Epoch), new(bob, MemberRole.Member, Epoch)],
            CreatedAt = Epoch,
        };

        var first = await store.CreateAsync(direct, Token);
        var second = await store.CreateAsync(direct with { CreatedAt = Epoch.AddHours(1), Members = [.. direct.Members.Reverse()] }, Token);

        Assert.True(first.Created);
        Assert.False(second.Created);
        AssertSame(direct, second.Conversation);
        AssertSame(direct, await store.GetAsync(direct.Id, Token));
    }

    /// <summary>Law: of concurrent creates of one id, exactly one creates and all return the winner.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Concurrent_creates_of_one_id_create_exactly_once()
    {
        var store = await NewStoreAsync();
        await Laws.CheckAsync(Gen.Choose(2, 10), async creators =>
        {
            var id = NewId("conv");
            var results = await Task.WhenAll(Enumerable.Range(0, creators).Select(i =>
                Task.Run(() => store.CreateAsync(NewGroup(NewId($"creator{i}")) with { Id = id }, Token).AsTask())));

            var winner = Assert.Single(results, r => r.Created).Conversation;
            Assert.All(results, r => AssertSame(winner, r.Conversation));
        }, maxTest: 30);
    }

    /// <summary>Unknown ids read as absent and membership changes on them report absence.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Unknown_conversation_is_absent()
    {
        var store = await NewStoreAsync();
        var id = NewId("conv");

        Assert.Null(await store.GetAsync(id, Token));
        Assert.Null(await store.AddMemberAsync(id, new ConversationMember(NewId("user"), MemberRole.Member, Epoch), NoLimit, Token));
        Assert.Null(await store.RemoveMemberAsync(id, NewId("user"), 1, Token));
        Assert.Empty(await IndexOf(store).ListForUserAsync(NewId("user"), 10, Token));
        Assert.Empty(await store.ListDepartedAsync(NewId("user"), 10, Token));
    }

    /// <summary>
    /// Law: any sequence of adds and removes leaves the members (in join order), each user's index and each former
    /// member's departure (the seq of their last removal, until added again) as a set model says.
    /// </summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Membership_changes_match_a_set_model_and_the_users_index()
    {
        var store = await NewStoreAsync();
        var step = from add in Gen.Elements(true, false)
                   from user in Gen.Choose(0, 4)
                   select (add, user);

        await Laws.CheckAsync(step.ListOf(), async steps =>
        {
            var users = Enumerable.Range(0, 5).Select(i => NewId($"user{i}")).ToArray();
            var conversation = (await store.CreateAsync(NewGroup(users[0]), Token)).Conversation;
            var model = new List<string> { users[0] };
            var departed = new Dictionary<string, long>(StringComparer.Ordinal);
            long seq = 0;
            foreach (var (add, index) in steps)
            {
                var user = users[index];
                seq++;
                var updated = add
                    ? await store.AddMemberAsync(conversation.Id, new ConversationMember(user, MemberRole.Member, Epoch), NoLimit, Token)
                    : await store.RemoveMemberAsync(conversation.Id, user, seq, Token);
                var changed = false;
                if (add && !model.Contains(user))
                {
                    model.Add(user);
                    departed.Remove(user);
                    changed = true;
                }
                else if (!add && model.Remove(user))
                {
                    departed[user] = seq;
                    changed = true;
                }

                Assert.NotNull(updated);
                Assert.Equal(model, updated.Conversation.Members.Select(m => m.UserId));
                Assert.Equal(changed ? MembershipOutcome.Changed : MembershipOutcome.Unchanged, updated.Outcome);
            }

            Assert.Equal(model, (await store.GetAsync(conversation.Id, Token))!.Members.Select(m => m.UserId));
            foreach (var user in users)
            {
                var listed = await IndexOf(store).ListForUserAsync(user, 10, Token);
                Assert.Equal(model.Contains(user) ? [conversation.Id] : Array.Empty<string>(), listed.Select(a => a.Conversation.Id));
                Assert.All(listed, a => Assert.Null(a.LeftAtSeq));
                var left = await store.ListDepartedAsync(user, 10, Token);
                Assert.Equal(departed.TryGetValue(user, out var leftAt) ? [(conversation.Id, (long?)leftAt)] : Array.Empty<(string, long?)>(), left.Select(a => (a.Conversation.Id, a.LeftAtSeq)));
                Assert.All(left, a => Assert.False(a.Conversation.IsMember(user)));
            }
        }, maxTest: 40);
    }

    /// <summary>
    /// A removed member is listed as departed with the removal's seq, in no conversation list, and the departure
    /// survives activity; adding the user again forgets it, and a later removal records the new seq.
    /// </summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Removed_member_is_departed_at_the_removal_seq_until_added_again()
    {
        var store = await NewStoreAsync();
        var admin = NewId("admin");
        var member = NewId("member");
        var group = (await store.CreateAsync(NewGroup(admin, member), Token)).Conversation;

        Assert.False((await store.RemoveMemberAsync(group.Id, member, 7, Token))!.Conversation.IsMember(member));
        await IndexOf(store).TouchAsync(group.Id, 9, Epoch.AddMinutes(1), Token);

        Assert.Empty(await IndexOf(store).ListForUserAsync(member, 10, Token));
        var departure = Assert.Single(await store.ListDepartedAsync(member, 10, Token));
        Assert.Equal((group.Id, (long?)7, 9L), (departure.Conversation.Id, departure.LeftAtSeq, departure.LastSeq));
        Assert.Empty(await store.ListDepartedAsync(admin, 10, Token));

        await store.AddMemberAsync(group.Id, new ConversationMember(member, MemberRole.Member, Epoch.AddMinutes(2)), NoLimit, Token);
        Assert.Empty(await store.ListDepartedAsync(member, 10, Token));
        Assert.Null(Assert.Single(await IndexOf(store).ListForUserAsync(member, 10, Token)).LeftAtSeq);

        await store.RemoveMemberAsync(group.Id, member, 12, Token);
        Assert.Equal(12, Assert.Single(await store.ListDepartedAsync(member, 10, Token)).LeftAtSeq);
    }

    /// <summary>Concurrent additions of different members all take effect.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Concurrent_member_additions_are_all_kept()
    {
        var store = await NewStoreAsync();
        var conversation = (await store.CreateAsync(NewGroup(NewId("admin")), Token)).Conversation;
        var joiners = Enumerable.Range(0, 16).Select(i => NewId($"user{i}")).ToArray();

        await Task.WhenAll(joiners.Select(u => Task.Run(() => store.AddMemberAsync(conversation.Id, new ConversationMember(u, MemberRole.Member, Epoch), NoLimit, Token).AsTask())));

        var stored = await store.GetAsync(conversation.Id, Token);
        Assert.Equal(joiners.Order(StringComparer.Ordinal), stored!.Members.Skip(1).Select(m => m.UserId).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Law: of concurrent additions of different users to a group with room for <c>n</c> more, exactly <c>n</c> take
    /// effect and the others report <see cref="MembershipOutcome.Full"/>: the member limit is never exceeded.
    /// </summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Concurrent_additions_never_exceed_the_member_limit()
    {
        var store = await NewStoreAsync();
        var shape = from limit in Gen.Choose(2, 8)
                    from joiners in Gen.Choose(limit, 30)
                    select (limit, joiners);

        await Laws.CheckAsync(shape, async s =>
        {
            var conversation = (await store.CreateAsync(NewGroup(NewId("admin")), Token)).Conversation;
            var joiners = Enumerable.Range(0, s.joiners).Select(i => NewId($"user{i}")).ToArray();

            var results = await Task.WhenAll(joiners.Select(u => Task.Run(() =>
                store.AddMemberAsync(conversation.Id, new ConversationMember(u, MemberRole.Member, Epoch), s.limit, Token).AsTask())));

            var stored = (await store.GetAsync(conversation.Id, Token))!;
            Assert.Equal(s.limit, stored.Members.Count);
            Assert.Equal(s.limit - 1, results.Count(r => r!.Outcome == MembershipOutcome.Changed));
            Assert.Equal(s.joiners - (s.limit - 1), results.Count(r => r!.Outcome == MembershipOutcome.Full));
            for (var i = 0; i < joiners.Length; i++)
            {
                Assert.Equal(results[i]!.Changed, stored.IsMember(joiners[i]));
                Assert.True(results[i]!.Conversation.Members.Count <= s.limit);
            }
        }, maxTest: 20);
    }

    /// <summary>
    /// Law: concurrent additions and removals of one user report exactly one effective change per transition: the
    /// effective additions and removals alternate, so they differ by one exactly when the user ends up a member, and
    /// the user's index and departure agree with the end state.
    /// </summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Concurrent_adds_and_removes_of_one_user_report_one_effective_change_per_transition()
    {
        var store = await NewStoreAsync();
        await Laws.CheckAsync(Gen.Elements(true, false).ListOf().Where(l => l.Count >= 2), async operations =>
        {
            var admin = NewId("admin");
            var user = NewId("user");
            var conversation = (await store.CreateAsync(NewGroup(admin), Token)).Conversation;
            var results = await Task.WhenAll(operations.Select((add, i) => Task.Run(async () =>
            {
                var change = add
                    ? await store.AddMemberAsync(conversation.Id, new ConversationMember(user, MemberRole.Member, Epoch), NoLimit, Token)
                    : await store.RemoveMemberAsync(conversation.Id, user, i + 1, Token);
                return (add, change!);
            })));

            var isMember = (await store.GetAsync(conversation.Id, Token))!.IsMember(user);
            var added = results.Count(r => r.add && r.Item2.Changed);
            var removed = results.Count(r => !r.add && r.Item2.Changed);
            Assert.Equal(isMember ? 1 : 0, added - removed);
            Assert.DoesNotContain(results, r => r.Item2.Outcome == MembershipOutcome.Full);
            Assert.All(results.Where(r => r.Item2.Changed), r => Assert.Equal(r.add, r.Item2.Conversation.IsMember(user)));
            Assert.Equal(isMember ? [conversation.Id] : Array.Empty<string>(), (await IndexOf(store).ListForUserAsync(user, 10, Token)).Select(a => a.Conversation.Id));
            Assert.Equal(!isMember && removed > 0, (await store.ListDepartedAsync(user, 10, Token)).Count == 1);
        }, maxTest: 30);
    }

    /// <summary>
    /// When the last admin leaves, the remaining member who joined first becomes admin in the same step and the change
    /// names them; a removal that leaves an admin promotes nobody, and of concurrent removals of the last admin exactly
    /// one takes effect and promotes.
    /// </summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Removing_the_last_admin_promotes_the_member_who_joined_first()
    {
        var store = await NewStoreAsync();
        var (admin, first, second, late) = (NewId("admin"), NewId("first"), NewId("second"), NewId("late"));
        var group = (await store.CreateAsync(NewGroup(admin, first, second), Token)).Conversation;
        await store.AddMemberAsync(group.Id, new ConversationMember(late, MemberRole.Member, Epoch.AddMinutes(1)), NoLimit, Token);

        var removals = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => store.RemoveMemberAsync(group.Id, admin, 3, Token).AsTask())));

        var winner = Assert.Single(removals, r => r!.Changed)!;
        Assert.Equal(first, winner.PromotedUserId);
        Assert.All(removals.Where(r => !r!.Changed), r => Assert.Null(r!.PromotedUserId));
        var stored = (await store.GetAsync(group.Id, Token))!;
        Assert.Equal([(first, MemberRole.Admin), (second, MemberRole.Member), (late, MemberRole.Member)], stored.Members.Select(m => (m.UserId, m.Role)));

        var memberLeaves = await store.RemoveMemberAsync(group.Id, second, 4, Token);
        Assert.Null(memberLeaves!.PromotedUserId);
        Assert.Equal(MemberRole.Member, memberLeaves.Conversation.FindMember(late)!.Role);

        var lastAdminLeaves = await store.RemoveMemberAsync(group.Id, first, 5, Token);
        Assert.Equal(late, lastAdminLeaves!.PromotedUserId);
        Assert.Equal(MemberRole.Admin, (await store.GetAsync(group.Id, Token))!.FindMember(late)!.Role);

        var nobodyLeft = await store.RemoveMemberAsync(group.Id, late, 6, Token);
        Assert.True(nobodyLeft!.Changed);
        Assert.Null(nobodyLeft.PromotedUserId);
        Assert.Empty(nobodyLeft.Conversation.Members);
    }

    /// <summary>A departure moves forward only, and only while the user is away.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task A_departure_advances_forward_only_while_the_user_is_away()
    {
        var store = await NewStoreAsync();
        var (admin, member, stranger) = (NewId("admin"), NewId("member"), NewId("stranger"));
        var group = (await store.CreateAsync(NewGroup(admin, member), Token)).Conversation;
        await store.RemoveMemberAsync(group.Id, member, 5, Token);

        await store.AdvanceDepartureAsync(group.Id, member, 9, Token);
        await store.AdvanceDepartureAsync(group.Id, member, 7, Token);
        Assert.Equal(9, Assert.Single(await store.ListDepartedAsync(member, 10, Token)).LeftAtSeq);

        await store.AdvanceDepartureAsync(group.Id, stranger, 9, Token);
        await store.AdvanceDepartureAsync(NewId("conv"), member, 12, Token);
        Assert.Empty(await store.ListDepartedAsync(stranger, 10, Token));
        Assert.Equal(9, Assert.Single(await store.ListDepartedAsync(member, 10, Token)).LeftAtSeq);

        await store.AddMemberAsync(group.Id, new ConversationMember(member, MemberRole.Member, Epoch), NoLimit, Token);
        await store.AdvanceDepartureAsync(group.Id, member, 12, Token);
        Assert.Empty(await store.ListDepartedAsync(member, 10, Token));
        Assert.Single(await IndexOf(store).ListForUserAsync(member, 10, Token));
    }

    /// <summary>Law: touches in any order leave the maximum seq and time, and the index orders by last activity with the limit applied.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Index_orders_by_last_activity_and_touch_never_moves_backwards()
    {
        var store = await NewStoreAsync();
        var shape = from conversations in Gen.Choose(1, 6)
                    from touches in Gen.Choose(0, conversations - 1).SelectMany(c => Gen.Choose(1, 100).Select(s => (c, s))).ListOf()
                    from limit in Gen.Choose(1, 7)
                    select (conversations, touches, limit);

        await Laws.CheckAsync(shape, async s =>
        {
            var user = NewId("user");
            var created = new List<Conversation>();
            for (var i = 0; i < s.conversations; i++)
            {
                // Distinct creation times keep the expected order total.
                var group = NewGroup(user) with { CreatedAt = Epoch.AddMilliseconds(i) };
                created.Add((await store.CreateAsync(group, Token)).Conversation);
            }

            var model = created.ToDictionary(c => c.Id, c => (Seq: 0L, At: c.CreatedAt));
            foreach (var (index, seq) in s.touches)
            {
                var id = created[index].Id;
                // The index offset keeps activity times of different conversations distinct, so the order is total.
                var at = Epoch.AddSeconds(seq).AddMilliseconds(index);
                await IndexOf(store).TouchAsync(id, seq, at, Token);
                model[id] = (Math.Max(model[id].Seq, seq), at > model[id].At ? at : model[id].At);
            }

            var listed = await IndexOf(store).ListForUserAsync(user, s.limit, Token);
            var expected = model.OrderByDescending(e => e.Value.At).Take(s.limit).ToList();
            Assert.Equal(expected.Select(e => (e.Key, e.Value.Seq, e.Value.At)), listed.Select(a => (a.Conversation.Id, a.LastSeq, a.LastActivity)));
        }, maxTest: 40);
    }

    /// <summary>
    /// A user in many conversations gets them ordered by the activity touches recorded, a page at a time from the top,
    /// and a touch moves one conversation to the top without any member's entry being rewritten by the caller.
    /// </summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Index_orders_many_conversations_when_read_and_one_touch_moves_one_to_the_top()
    {
        var store = await NewStoreAsync();
        var index = IndexOf(store);
        var user = NewId("user");
        var others = Enumerable.Range(0, 3).Select(i => NewId($"peer{i}")).ToArray();
        var created = new List<Conversation>();
        for (var i = 0; i < 120; i++)
        {
            var group = NewGroup(others[i % others.Length], user) with { CreatedAt = Epoch.AddMilliseconds(i) };
            created.Add((await store.CreateAsync(group, Token)).Conversation);
            await index.TouchAsync(group.Id, 1, Epoch.AddSeconds(i), Token);
        }

        var listed = await index.ListForUserAsync(user, 25, Token);
        Assert.Equal(created.AsEnumerable().Reverse().Take(25).Select(c => c.Id), listed.Select(a => a.Conversation.Id));
        Assert.Equal(120, (await index.ListForUserAsync(user, 1_000, Token)).Count);

        var oldest = created[0].Id;
        await index.TouchAsync(oldest, 2, Epoch.AddHours(1), Token);
        var top = (await index.ListForUserAsync(user, 2, Token)).ToList();
        Assert.Equal((oldest, 2L, Epoch.AddHours(1)), (top[0].Conversation.Id, top[0].LastSeq, top[0].LastActivity));
        Assert.Equal(created[^1].Id, top[1].Conversation.Id);
        Assert.Equal(oldest, Assert.Single(await index.ListForUserAsync(others[0], 1, Token)).Conversation.Id);
    }

    /// <summary>Conversations survive a restart of the store.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Conversations_survive_a_restart()
    {
        Require(Capabilities.SurvivesRestart, nameof(AdapterCapabilities.SurvivesRestart), "conversations and indexes are durable across a restart.");
        var group = NewGroup(NewId("user"));
        var first = await CreateAsync();
        await first.CreateAsync(group, Token);
        await DisposeAdapterAsync(first);

        var second = await NewStoreAsync();
        AssertSame(group, await second.GetAsync(group.Id, Token));
        Assert.Single(await IndexOf(second).ListForUserAsync(group.Members[0].UserId, 10, Token));
    }

    /// <summary>Asserts two conversations are the same by value (members compared element-wise).</summary>
    /// <param name="expected">The expected conversation.</param>
    /// <param name="actual">The actual conversation.</param>
    protected static void AssertSame(Conversation expected, Conversation? actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        Assert.NotNull(actual);
        Assert.Equal((expected.Id, expected.Kind, expected.Name, expected.CreatedAt), (actual.Id, actual.Kind, actual.Name, actual.CreatedAt));
        Assert.Equal(expected.Members, actual.Members);
    }

    private async Task<IConversationStore> NewStoreAsync() => Track(await CreateAsync());
}
