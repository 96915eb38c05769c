using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Messaging.Conformance;

/// <summary>
/// The laws of <see cref="IConnectionDirectory"/>: registered connections are listed until unregistered, several
/// devices per user, connected-subset queries, and the entries of a node that stops refreshing disappear after the TTL.
/// Inherit and supply <see cref="CreateAsync"/>.
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

    /// <summary>A user's devices on several nodes are all listed, and only connected users are reported connected.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Devices_on_several_nodes_are_listed_and_connected_users_are_reported()
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
        Assert.Equal(new HashSet<string> { alice, bob }, (await directory.GetConnectedUsersAsync([alice, bob, carol], Token)).ToHashSet());

        await directory.UnregisterAsync(bobs, Token);
        Assert.Equal(new HashSet<string> { alice }, (await directory.GetConnectedUsersAsync([alice, bob, carol], Token)).ToHashSet());
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
        Assert.Empty(await directory.GetConnectedUsersAsync([user], Token));
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

    private static DeviceConnection NewConnection(string userId, string deviceId, string nodeId)
        => new(userId, deviceId, NewId("conn"), nodeId);

    private async Task<IConnectionDirectory> NewDirectoryAsync() => Track(await CreateAsync(Clock, Ttl));
}
