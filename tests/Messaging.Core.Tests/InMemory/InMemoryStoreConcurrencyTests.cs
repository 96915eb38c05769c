using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Messaging.Tests.InMemory;

// The per-user and per-conversation locking of the in-memory stores: races the role suites do not provoke.
public sealed class InMemoryStoreConcurrencyTests
{
    private static readonly DateTimeOffset Epoch = new(2024, 1, 15, 10, 30, 0, TimeSpan.Zero);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Claims_racing_for_the_same_keys_leave_one_winner_per_key_whose_seq_every_loser_sees()
    {
        // Enough keys to spread over every stripe of the claim map, each claimed by four racers with their own seqs.
        const int Keys = 5_000;
        const int Racers = 4;
        var store = new InMemoryDeduplicationStore();
        var barrier = new Barrier(Racers);
        var results = new DeduplicationClaim[Racers][];
        var racers = Enumerable.Range(0, Racers).Select(racer => Task.Run(
            async () =>
            {
                results[racer] = new DeduplicationClaim[Keys];
                barrier.SignalAndWait(Token);
                for (var key = 0; key < Keys; key++)
                {
                    results[racer][key] = await store.ClaimAsync(new("c", "u", $"m{key}"), (key * Racers) + racer + 1, TimeSpan.FromHours(1), Token);
                }
            },
            Token));
        await Task.WhenAll(racers);

        for (var key = 0; key < Keys; key++)
        {
            var claims = results.Select(r => r[key]).ToArray();
            var winner = Assert.Single(claims, c => c.Claimed);
            Assert.All(claims, c => Assert.Equal(winner.Seq, c.Seq));
            Assert.Equal(winner.Seq, await store.FindAsync(new("c", "u", $"m{key}"), Token));
        }

        Assert.Equal(Keys, store.Count);
    }

    [Fact]
    public async Task A_batch_lookup_lists_the_live_connections_of_the_users_each_once_for_small_and_large_queries()
    {
        var clock = new FakeTimeProvider(Epoch);
        var directory = new InMemoryConnectionDirectory(clock, TimeSpan.FromSeconds(30));
        for (var i = 0; i < 20; i += 2)
        {
            await directory.RegisterAsync(new DeviceConnection($"u{i}", "phone", $"c{i}", "node-a"), Token);
        }

        var small = await directory.GetConnectionsOfAsync(["u0", "u1", "u2", "u0"], Token);
        var large = await directory.GetConnectionsOfAsync([.. Enumerable.Range(0, 20).Select(i => $"u{i}"), "u4"], Token);
        var none = await directory.GetConnectionsOfAsync(["u1", "u3"], Token);

        Assert.Equal(["u0", "u2"], small.Select(c => c.UserId).Order(StringComparer.Ordinal));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"u{i * 2}").Order(StringComparer.Ordinal), large.Select(c => c.UserId).Order(StringComparer.Ordinal));
        Assert.Empty(none);

        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Empty(await directory.GetConnectionsOfAsync(["u0", "u2"], Token));
    }

    [Fact]
    public async Task A_registration_racing_with_the_removal_of_the_users_last_connection_is_kept()
    {
        var directory = new InMemoryConnectionDirectory(TimeProvider.System);
        for (var round = 0; round < 200; round++)
        {
            var user = $"user{round}";
            var leaving = new DeviceConnection(user, "phone", $"{user}-old", "node-a");
            var arriving = new DeviceConnection(user, "laptop", $"{user}-new", "node-a");
            await directory.RegisterAsync(leaving, Token);

            using var start = new Barrier(2);
            await Task.WhenAll(
                Task.Run(() => { start.SignalAndWait(Token); return directory.UnregisterAsync(leaving, Token).AsTask(); }, Token),
                Task.Run(() => { start.SignalAndWait(Token); return directory.RegisterAsync(arriving, Token).AsTask(); }, Token));

            Assert.Equal([arriving], await directory.GetConnectionsAsync(user, Token));
        }
    }

    [Fact]
    public async Task A_conversation_visible_to_get_is_in_every_members_index()
    {
        var store = new InMemoryConversationStore();
        const int Conversations = 300;
        var creators = Enumerable.Range(0, 2).Select(_ => Task.Run(
            async () =>
            {
                for (var i = 0; i < Conversations; i++)
                {
                    await store.CreateAsync(Conversation($"g{i}", "alice", $"bob{i}"), Token);
                }
            },
            Token));
        var readers = Task.Run(
            async () =>
            {
                for (var i = 0; i < Conversations; i++)
                {
                    while (await store.GetAsync($"g{i}", Token) is null)
                    {
                        await Task.Yield();
                    }

                    var listed = await store.ListForUserAsync($"bob{i}", 10, Token);
                    Assert.Equal($"g{i}", Assert.Single(listed).Conversation.Id);
                }
            },
            Token);

        await Task.WhenAll([.. creators, readers]);
        Assert.Equal(Conversations, (await store.ListForUserAsync("alice", int.MaxValue, Token)).Count);
    }

    [Fact]
    public async Task Concurrent_touches_keep_the_maximum_seq_and_time_and_listing_follows_them()
    {
        var store = new InMemoryConversationStore();
        await store.CreateAsync(Conversation("g1", "alice", "bob"), Token);
        await store.CreateAsync(Conversation("g2", "alice", "carol"), Token);

        await Task.WhenAll(Enumerable.Range(1, 4).Select(t => Task.Run(
            async () =>
            {
                for (var seq = t; seq <= 1_000; seq += 4)
                {
                    await store.TouchAsync("g1", seq, Epoch.AddSeconds(seq), Token);
                }
            },
            Token)));
        await store.TouchAsync("g2", 5, Epoch.AddSeconds(500), Token);

        var listed = await store.ListForUserAsync("alice", 10, Token);
        Assert.Equal(["g1", "g2"], listed.Select(a => a.Conversation.Id));
        Assert.Equal(1_000, listed[0].LastSeq);
        Assert.Equal(Epoch.AddSeconds(1_000), listed[0].LastActivity);
    }

    [Fact]
    public async Task Concurrent_touches_and_sweeps_of_many_users_report_each_transition_once()
    {
        var store = new InMemoryPresenceStore();
        const int Users = 500;
        var online = await Task.WhenAll(Enumerable.Range(0, Users).Select(u => Task.Run(
            async () => await store.TouchAsync($"u{u}", "phone", Epoch, Epoch.AddSeconds(1), Token),
            Token)));
        var sweeps = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(
            async () => await store.ExpireAsync(Epoch.AddSeconds(2), Token),
            Token)));

        Assert.Equal(Users, online.Count(c => c is { Status: PresenceStatus.Online }));
        var offline = sweeps.SelectMany(s => s).ToList();
        Assert.Equal(Users, offline.Count);
        Assert.Equal(Users, offline.Select(c => c.UserId).Distinct().Count());
        Assert.All(offline, c => Assert.Equal(Epoch, c.LastSeen));
    }

    [Fact]
    public async Task Receipt_listing_is_in_user_id_order_whatever_order_users_first_advanced_in()
    {
        var store = new InMemoryReceiptStore();
        var users = Enumerable.Range(0, 200).Select(i => $"user{(i * 7919) % 200}").ToArray();
        await Task.WhenAll(users.Chunk(50).Select(chunk => Task.Run(
            async () =>
            {
                foreach (var user in chunk)
                {
                    await store.AdvanceAsync("g1", user, "phone", 3, 0, Epoch, Token);
                }
            },
            Token)));
        await store.AdvanceAsync("g1", "zz-nothing-delivered", "phone", 0, 0, Epoch, Token);

        var all = await store.GetAllAsync("g1", Token);

        Assert.Equal(users.Order(StringComparer.Ordinal), all.Select(m => m.UserId));
        Assert.All(all, m => Assert.Equal(3, m.Mark.DeliveredUpTo));
    }

    private static Conversation Conversation(string id, params string[] members) => new()
    {
        Id = id,
        Kind = ConversationKind.Group,
        Name = "group",
        Members = [.. members.Select(m => new ConversationMember(m, MemberRole.Member, Epoch))],
        CreatedAt = Epoch,
    };
}
