using Messaging.Stores.Redis;
using Xunit;

namespace Messaging.Redis.Tests.Stores;

// Redis-only facts of the conversation store; the role's laws run in RedisConversationStoreConformanceTests.
public sealed class RedisConversationStoreTests(RedisFixture redis)
{
    private static readonly DateTimeOffset Created = new(2024, 1, 15, 10, 30, 0, TimeSpan.Zero);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_touch_writes_no_members_entry_and_every_member_lists_the_new_activity_whatever_the_user_id_contains()
    {
        var store = new RedisConversationStore(redis.Multiplexer);
        var index = new RedisConversationIndex(redis.Multiplexer);
        var id = NewId("conv");
        string[] members = [NewId("a{b}"), NewId("c%7Bd}"), NewId("e%")];
        await store.CreateAsync(
            new Conversation
            {
                Id = id,
                Kind = ConversationKind.Group,
                Name = "g",
                Members = [.. members.Select(m => new ConversationMember(m, MemberRole.Member, Created))],
                CreatedAt = Created,
            },
            Token);
        var touched = Created.AddMinutes(5);
        var database = redis.Multiplexer.GetDatabase();
        var entries = await Task.WhenAll(members.Select(m => database.SortedSetScoreAsync(RedisKeys.UserConversations(m), id)));

        await index.TouchAsync(id, 7, touched, Token);

        // The members' entries were written by the create (under escaped tags) and the touch left them alone.
        Assert.All(entries, score => Assert.NotNull(score));
        Assert.Equal(entries, await Task.WhenAll(members.Select(m => database.SortedSetScoreAsync(RedisKeys.UserConversations(m), id))));

        // Only the documented keys: nothing was written under an unescaped tag.
        var server = redis.Multiplexer.GetServer(redis.Multiplexer.GetEndPoints()[0]);
        var strays = server.Keys(pattern: "messaging:user:{*}:conversations").Select(k => (string)k!).Where(k => k.Contains(members[0], StringComparison.Ordinal));
        Assert.Empty(strays);
        foreach (var member in members)
        {
            var activity = Assert.Single(await index.ListForUserAsync(member, 10, Token));
            Assert.Equal((id, 7L, touched), (activity.Conversation.Id, activity.LastSeq, activity.LastActivity));
        }
    }

    [Fact]
    public async Task A_conversation_reads_back_with_its_members_in_join_order()
    {
        var store = new RedisConversationStore(redis.Multiplexer);
        var id = NewId("conv");
        var members = Enumerable.Range(0, 12).Select(i => new ConversationMember(NewId("u" + i), i == 3 ? MemberRole.Admin : MemberRole.Member, Created.AddSeconds(i))).ToArray();
        var conversation = new Conversation { Id = id, Kind = ConversationKind.Group, Name = null, Members = members, CreatedAt = Created };

        await store.CreateAsync(conversation, Token);

        var read = await store.GetAsync(id, Token);
        Assert.NotNull(read);
        Assert.Equal(members, read.Members);
        Assert.Null(read.Name);
        Assert.Equal(ConversationKind.Group, read.Kind);
        Assert.Null(await store.GetAsync(NewId("missing"), Token));
    }

    [Fact]
    public async Task A_touch_moves_the_last_seq_and_the_activity_each_only_forward_and_creates_no_unknown_conversation()
    {
        var store = new RedisConversationStore(redis.Multiplexer);
        var index = new RedisConversationIndex(redis.Multiplexer);
        var id = NewId("conv");
        var member = NewId("m");
        await store.CreateAsync(
            new Conversation { Id = id, Kind = ConversationKind.Group, Name = "g", Members = [new ConversationMember(member, MemberRole.Member, Created)], CreatedAt = Created },
            Token);
        async Task<(long Seq, DateTimeOffset At)> ReadAsync()
        {
            var activity = Assert.Single(await index.ListForUserAsync(member, 10, Token));
            return (activity.LastSeq, activity.LastActivity);
        }

        await index.TouchAsync(id, 5, Created.AddMinutes(5), Token);
        Assert.Equal((5L, Created.AddMinutes(5)), await ReadAsync());

        // A lower seq at a later time moves only the activity; a higher seq at an earlier time only the seq.
        await index.TouchAsync(id, 3, Created.AddMinutes(6), Token);
        Assert.Equal((5L, Created.AddMinutes(6)), await ReadAsync());
        await index.TouchAsync(id, 9, Created.AddMinutes(1), Token);
        Assert.Equal((9L, Created.AddMinutes(6)), await ReadAsync());

        var unknown = NewId("missing");
        await index.TouchAsync(unknown, 1, Created, Token);
        Assert.False(await redis.Multiplexer.GetDatabase().KeyExistsAsync(RedisKeys.ConversationInfo(unknown)));
    }

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";
}
