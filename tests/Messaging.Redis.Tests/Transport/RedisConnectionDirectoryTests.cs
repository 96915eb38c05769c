using Messaging.Transports.Redis;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Messaging.Redis.Tests.Transport;

// Redis-only facts of the directory; the role's laws run in RedisConnectionDirectoryConformanceTests.
public sealed class RedisConnectionDirectoryTests(RedisFixture redis)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2024, 1, 15, 10, 30, 0, TimeSpan.Zero));

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Registration_writes_the_documented_keys()
    {
        var directory = new RedisConnectionDirectory(redis.Multiplexer, _clock, Ttl);
        var connection = new DeviceConnection(NewId("user"), "phone:1", NewId("conn"), "node:a");

        await directory.RegisterAsync(connection, Token);

        var database = redis.Multiplexer.GetDatabase();
        Assert.Equal("6:node:aphone:1", (string?)await database.HashGetAsync($"messaging:dir:user:{connection.UserId}", connection.ConnectionId));
        Assert.Equal((_clock.GetUtcNow() + Ttl).ToUnixTimeMilliseconds(), (long)await database.StringGetAsync("messaging:dir:node:node:a"));
        var keyTtl = await database.KeyTimeToLiveAsync("messaging:dir:node:node:a");
        Assert.InRange(keyTtl!.Value, Ttl, Ttl + TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Entries_of_a_dead_node_are_deleted_by_the_read_that_finds_them()
    {
        var directory = new RedisConnectionDirectory(redis.Multiplexer, _clock, Ttl);
        var user = NewId("user");
        var live = new DeviceConnection(user, "phone", NewId("conn"), NewId("live"));
        var dead = new DeviceConnection(user, "laptop", NewId("conn"), NewId("dead"));
        await directory.RegisterAsync(live, Token);
        await directory.RegisterAsync(dead, Token);
        var hash = $"messaging:dir:user:{user}";
        var database = redis.Multiplexer.GetDatabase();
        Assert.Equal(2, await database.HashLengthAsync(hash));

        _clock.Advance(Ttl - TimeSpan.FromSeconds(1));
        await directory.RefreshNodeAsync(live.NodeId, Token);
        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal([live], await directory.GetConnectionsAsync(user, Token));
        Assert.False(await database.HashExistsAsync(hash, dead.ConnectionId));
        Assert.True(await database.HashExistsAsync(hash, live.ConnectionId));
    }

    [Fact]
    public async Task A_node_on_another_instance_is_seen_dead_once_its_lease_lapses()
    {
        var nodeA = new RedisConnectionDirectory(redis.Multiplexer, _clock, Ttl);
        var nodeB = new RedisConnectionDirectory(redis.Multiplexer, _clock, Ttl);
        var connection = new DeviceConnection(NewId("user"), "phone", NewId("conn"), NewId("node-a"));
        await nodeA.RegisterAsync(connection, Token);

        _clock.Advance(Ttl);

        Assert.Empty(await nodeB.GetConnectionsAsync(connection.UserId, Token));
    }

    [Fact]
    public async Task A_node_known_to_be_live_is_not_asked_about_again_before_its_deadline()
    {
        await using var server = await RedisServer.StartAsync();
        await using var multiplexer = await server.ConnectAsync();
        var registering = new RedisConnectionDirectory(multiplexer, _clock, Ttl);
        var reading = new RedisConnectionDirectory(multiplexer, _clock, Ttl);
        var connection = new DeviceConnection(NewId("user"), "phone", NewId("conn"), NewId("node"));
        await registering.RegisterAsync(connection, Token);

        // The registering instance knows the deadline it wrote; the other one reads it once.
        Assert.Equal([connection], await registering.GetConnectionsAsync(connection.UserId, Token));
        Assert.Equal(0, await LeaseReadsAsync(multiplexer));
        Assert.Equal([connection], await reading.GetConnectionsAsync(connection.UserId, Token));
        Assert.Equal([connection], await reading.GetConnectionsAsync(connection.UserId, Token));
        Assert.Equal(1, await LeaseReadsAsync(multiplexer));

        // Past the deadline it asks again, and sees the refresh another instance made meanwhile.
        _clock.Advance(Ttl - TimeSpan.FromSeconds(1));
        await registering.RefreshNodeAsync(connection.NodeId, Token);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([connection], await reading.GetConnectionsAsync(connection.UserId, Token));
        Assert.Equal(2, await LeaseReadsAsync(multiplexer));

        // And a node that stopped refreshing is dead for both once its last deadline passed.
        _clock.Advance(Ttl);
        Assert.Empty(await reading.GetConnectionsAsync(connection.UserId, Token));
        await registering.RegisterAsync(connection, Token);
        Assert.Equal([connection], await reading.GetConnectionsAsync(connection.UserId, Token));
    }

    [Theory]
    [InlineData("n", "d")]
    [InlineData("node:1", "dev:ice")]
    [InlineData("12:ab", "3:x")]
    [InlineData("ünï", "🙂")]
    public void Entries_decode_to_what_was_encoded_whatever_the_ids_contain(string nodeId, string deviceId)
    {
        Assert.True(RedisConnectionDirectory.TryDecodeEntry(RedisConnectionDirectory.EncodeEntry(nodeId, deviceId), out var node, out var device));
        Assert.Equal((nodeId, deviceId), (node, device));
    }

    [Theory]
    [InlineData("")]
    [InlineData("x:node")]
    [InlineData("9:node")]
    [InlineData("4:node")]
    public void Malformed_entries_are_rejected(string value)
        => Assert.False(RedisConnectionDirectory.TryDecodeEntry(value, out _, out _));

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    // MGET calls so far: the directory reads node leases with MGET and nothing else.
    private static async Task<long> LeaseReadsAsync(StackExchange.Redis.IConnectionMultiplexer multiplexer)
    {
        var info = await multiplexer.GetServer(multiplexer.GetEndPoints()[0]).InfoAsync("commandstats");
        var mget = info.SelectMany(g => g).FirstOrDefault(p => p.Key == "cmdstat_mget").Value;
        return mget is null ? 0 : long.Parse(mget.Split(',')[0].Split('=')[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
