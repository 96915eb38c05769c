using FsCheck.Fluent;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Messaging.Conformance;

/// <summary>
/// The laws of <see cref="IConnectionDirectory"/>: registered connections are listed until unregistered, several
/// devices per user, batch look-ups of many users, follow records of nodes (batch follow and unfollow, look-up of a
/// topic's nodes, concurrent changes), and the connections and follow records of a node that stops refreshing
/// disappear after the TTL. Inherit and supply <see cref="CreateAsync"/>.
/// </summary>
/// <remarks>
/// Capabilities read: <see cref="AdapterCapabilities.ClockFromTimeProvider"/> (TTL tests advance a fake clock),
/// <see cref="AdapterCapabilities.MultiNode"/>.
/// </remarks>
public abstract class ConnectionDirectoryConformanceTests : ConformanceSuite
{
    /// <summary>The TTL the suite asks for.</summary>
    protected static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    /// <summary>The clock of the test.</summary>
    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2024, 1, 15, 10, 30, 0, TimeSpan.Zero));

    /// <summary>Creates a directory whose node entries live for <paramref name="ttl"/> without a refresh.</summary>
    /// <param name="timeProvider">The test's clock.</param>
    /// <param name="ttl">The node TTL.</param>
    /// <returns>The directory under test.</returns>
    protected abstract ValueTask<IConnectionDirectory> CreateAsync(TimeProvider timeProvider, TimeSpan ttl);

    /// <summary>A registered connection is listed until it is unregistered; unregistering twice is harmless.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Registered_connection_is_listed_until_unregistered()
    {
        var directory = await NewDirectoryAsync();
        var connection = NewConnection(NewId("user"), "phone", NewId("node"));

        await directory.RegisterAsync(connection, Token);
        Assert.Equal([connection], await directory.GetConnectionsAsync(connection.UserId, Token));

        await directory.UnregisterAsync(connection, Token);
        await directory.UnregisterAsync(connection, Token);
        Assert.Empty(await directory.GetConnectionsAsync(connection.UserId, Token));
    }

    /// <summary>A user's devices on several nodes are all listed, and a batch look-up lists every connection of the given users once.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Devices_on_several_nodes_are_listed_and_batch_lookups_list_every_connection()
    {
        var directory = await NewDirectoryAsync();
        var (alice, bob, carol) = (NewId("alice"), NewId("bob"), NewId("carol"));
        var phone = NewConnection(alice, "phone", NewId("node"));
        var laptop = NewConnection(alice, "laptop", NewId("node"));
        var bobs = NewConnection(bob, "phone", phone.NodeId);
        foreach (var connection in new[] { phone, laptop, bobs })
        {
            await directory.RegisterAsync(connection, Token);
        }

        Assert.Equal(new[] { phone, laptop }.OrderBy(c => c.ConnectionId), (await directory.GetConnectionsAsync(alice, Token)).OrderBy(c => c.ConnectionId));
        Assert.Equal(new[] { phone, laptop, bobs }.OrderBy(c => c.ConnectionId), (await directory.GetConnectionsOfAsync([alice, bob, carol, alice], Token)).OrderBy(c => c.ConnectionId));
        Assert.Empty(await directory.GetConnectionsOfAsync([carol], Token));
        Assert.Empty(await directory.GetConnectionsOfAsync([], Token));

        await directory.UnregisterAsync(bobs, Token);
        Assert.Equal(new[] { phone, laptop }.OrderBy(c => c.ConnectionId), (await directory.GetConnectionsOfAsync([alice, bob, carol], Token)).OrderBy(c => c.ConnectionId));
    }

    /// <summary>The entries of a node that stops refreshing disappear after the TTL; a refreshed node's entries stay.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Entries_of_a_node_that_stops_refreshing_disappear_after_the_ttl()
    {
        Require(Capabilities.ClockFromTimeProvider, nameof(AdapterCapabilities.ClockFromTimeProvider), "a dead node's entries expire after the TTL.");
        var directory = await NewDirectoryAsync();
        var user = NewId("user");
        var live = NewConnection(user, "phone", NewId("live-node"));
        var dead = NewConnection(user, "laptop", NewId("dead-node"));
        await directory.RegisterAsync(live, Token);
        await directory.RegisterAsync(dead, Token);

        for (var elapsed = TimeSpan.Zero; elapsed < Ttl * 2; elapsed += Ttl / 3)
        {
            Clock.Advance(Ttl / 3);
            await directory.RefreshNodeAsync(live.NodeId, Token);
        }

        Assert.Equal([live], await directory.GetConnectionsAsync(user, Token));

        Clock.Advance(Ttl);
        Assert.Empty(await directory.GetConnectionsAsync(user, Token));
        Assert.Empty(await directory.GetConnectionsOfAsync([user], Token));
    }

    /// <summary>An entry is still visible just before its node's TTL ends.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Entries_stay_visible_within_the_ttl()
    {
        Require(Capabilities.ClockFromTimeProvider, nameof(AdapterCapabilities.ClockFromTimeProvider), "entries live for the TTL after the last refresh.");
        var directory = await NewDirectoryAsync();
        var connection = NewConnection(NewId("user"), "phone", NewId("node"));
        await directory.RegisterAsync(connection, Token);

        Clock.Advance(Ttl - TimeSpan.FromSeconds(1));

        Assert.Equal([connection], await directory.GetConnectionsAsync(connection.UserId, Token));
    }

    /// <summary>Two live instances (two nodes) see each other's registrations.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Two_nodes_see_each_others_registrations()
    {
        Require(Capabilities.MultiNode, nameof(AdapterCapabilities.MultiNode), "every node sees every node's connections.");
        var (a, b) = (await NewDirectoryAsync(), await NewDirectoryAsync());
        var connection = NewConnection(NewId("user"), "phone", NewId("node"));

        await a.RegisterAsync(connection, Token);

        Assert.Equal([connection], await b.GetConnectionsAsync(connection.UserId, Token));
    }

    /// <summary>Law: a random sequence of batch follows and unfollows of several nodes leaves each topic followed by exactly the nodes whose last change was a follow.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Follow_records_match_the_last_follow_or_unfollow_of_each_node()
    {
        var directory = await NewDirectoryAsync();
        var change =
            from node in Gen.Choose(0, 2)
            from topicIndexes in Gen.SubListOf(0, 1, 2, 3)
            from follow in Gen.Elements(true, false)
            select (Node: node, TopicIndexes: topicIndexes, Follow: follow);
        await Laws.CheckAsync(change.ListOf(), async changes =>
        {
            var nodes = new[] { NewId("node"), NewId("node"), NewId("node") };
            var topics = new[] { FollowTopic.Conversation(NewId("conv")), FollowTopic.Conversation(NewId("conv")), FollowTopic.Presence(NewId("user")), FollowTopic.Presence(NewId("user")) };
            var model = topics.ToDictionary(t => t, _ => new HashSet<string>());
            foreach (var (node, topicIndexes, follow) in changes)
            {
                var batch = topicIndexes.Select(i => topics[i]).ToArray();
                if (follow)
                {
                    await directory.FollowAsync(nodes[node], batch, Token);
                }
                else
                {
                    await directory.UnfollowAsync(nodes[node], batch, Token);
                }

                foreach (var topic in batch)
                {
                    _ = follow ? model[topic].Add(nodes[node]) : model[topic].Remove(nodes[node]);
                }
            }

            foreach (var topic in topics)
            {
                Assert.Equal(model[topic].Order(), (await directory.GetFollowersAsync(topic, Token)).Order());
            }
        }, maxTest: 25);
    }

    /// <summary>A conversation topic and a presence topic with the same id are different records.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Topics_of_different_kinds_never_mix()
    {
        var directory = await NewDirectoryAsync();
        var (id, node) = (NewId("id"), NewId("node"));

        await directory.FollowAsync(node, [FollowTopic.Conversation(id)], Token);

        Assert.Equal([node], await directory.GetFollowersAsync(FollowTopic.Conversation(id), Token));
        Assert.Empty(await directory.GetFollowersAsync(FollowTopic.Presence(id), Token));
        Assert.Empty(await directory.GetFollowersAsync(FollowTopic.Conversation(id + "x"), Token));
    }

    /// <summary>Concurrent follows and unfollows of different nodes on one topic never lose each other's records.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Concurrent_follows_of_many_nodes_are_all_recorded()
    {
        var directory = await NewDirectoryAsync();
        var topic = FollowTopic.Conversation(NewId("conv"));
        var nodes = Enumerable.Range(0, 40).Select(_ => NewId("node")).ToArray();

        await Task.WhenAll(nodes.Select(node => Task.Run(async () =>
        {
            await directory.FollowAsync(node, [topic], Token);
            if (node.GetHashCode() % 2 == 0)
            {
                await directory.UnfollowAsync(node, [topic], Token);
            }
        })));

        var expected = nodes.Where(n => n.GetHashCode() % 2 != 0).Order();
        Assert.Equal(expected, (await directory.GetFollowersAsync(topic, Token)).Order());
    }

    /// <summary>The follow records of a node that stops refreshing disappear after the TTL with its connections; a refreshed node's stay.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Follow_records_expire_with_their_node()
    {
        Require(Capabilities.ClockFromTimeProvider, nameof(AdapterCapabilities.ClockFromTimeProvider), "a dead node's follow records expire after the TTL.");
        var directory = await NewDirectoryAsync();
        var topic = FollowTopic.Presence(NewId("user"));
        var (live, dead) = (NewId("live-node"), NewId("dead-node"));
        await directory.FollowAsync(live, [topic], Token);
        await directory.FollowAsync(dead, [topic], Token);

        for (var elapsed = TimeSpan.Zero; elapsed < Ttl * 2; elapsed += Ttl / 3)
        {
            Clock.Advance(Ttl / 3);
            await directory.RefreshNodeAsync(live, Token);
        }

        Assert.Equal([live], await directory.GetFollowersAsync(topic, Token));

        // A node that comes back follows again.
        await directory.FollowAsync(dead, [topic], Token);
        Assert.Equal(new[] { live, dead }.Order(), (await directory.GetFollowersAsync(topic, Token)).Order());
    }

    /// <summary>Two live instances (two nodes) see each other's follow records.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Two_nodes_see_each_others_follow_records()
    {
        Require(Capabilities.MultiNode, nameof(AdapterCapabilities.MultiNode), "every node sees every node's follow records.");
        var (a, b) = (await NewDirectoryAsync(), await NewDirectoryAsync());
        var (topic, node) = (FollowTopic.Conversation(NewId("conv")), NewId("node"));

        await a.FollowAsync(node, [topic], Token);
        Assert.Equal([node], await b.GetFollowersAsync(topic, Token));

        await b.UnfollowAsync(node, [topic], Token);
        Assert.Empty(await a.GetFollowersAsync(topic, Token));
    }

    private static DeviceConnection NewConnection(string userId, string deviceId, string nodeId)
        => new(userId, deviceId, NewId("conn"), nodeId);

    private async Task<IConnectionDirectory> NewDirectoryAsync() => Track(await CreateAsync(Clock, Ttl));
}
