using Messaging.Stores.Redis;
using Xunit;

namespace Messaging.Redis.Tests.Stores;

// Redis-only facts of presence (shards, sweep batches, last-seen precision); the role's laws run in
// RedisPresenceStoreConformanceTests.
public sealed class RedisPresenceStoreTests
{
    private static readonly DateTimeOffset Start = new(2024, 1, 15, 10, 30, 0, TimeSpan.Zero);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task One_sweep_reports_every_lapsed_user_of_every_shard_also_beyond_one_script_batch()
    {
        // A private server: a sweep is global, and this test counts exactly.
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        var store = new RedisPresenceStore(connection, new RedisStoreOptions { PresenceShards = 2 });
        var users = Enumerable.Range(0, 700).Select(i => $"user-{i}").ToArray();
        await Task.WhenAll(users.Select(u => store.TouchAsync(u, "phone", Start, Start.AddSeconds(30), Token).AsTask()));
        Assert.Equal(2, users.Select(u => RedisKeys.PresenceShard(u, 2)).Distinct().Count());

        var changes = await store.ExpireAsync(Start.AddSeconds(30), Token);

        Assert.Equal(users.Order(StringComparer.Ordinal), changes.Select(c => c.UserId).Order(StringComparer.Ordinal));
        Assert.All(changes, c => Assert.Equal(new PresenceChange(c.UserId, PresenceStatus.Offline, Start), c));
        Assert.Empty(await store.ExpireAsync(Start.AddSeconds(31), Token));
    }

    [Fact]
    public async Task Leases_never_lapse_early_at_sub_millisecond_precision()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        var store = new RedisPresenceStore(connection);
        var expiry = Start.AddTicks(5_000); // half a millisecond after Start
        await store.TouchAsync("alice", "phone", Start.AddTicks(1), expiry, Token);

        Assert.Empty(await store.ExpireAsync(Start.AddTicks(4_999), Token));
        Assert.Equal([new PresenceChange("alice", PresenceStatus.Offline, Start.AddTicks(1))], await store.ExpireAsync(Start.AddMilliseconds(1), Token));
    }

    [Fact]
    public async Task Concurrent_sweepers_on_separate_connections_report_each_user_once()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connections = await RedisConnections.OpenAsync(server, 3);
        var stores = connections.All.Select(c => new RedisPresenceStore(c)).ToArray();
        var users = Enumerable.Range(0, 200).Select(i => $"user-{i}").ToArray();
        await Task.WhenAll(users.Select((u, i) => stores[i % 3].TouchAsync(u, "phone", Start, Start.AddSeconds(1), Token).AsTask()));

        var sweeps = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => stores[i % 3].ExpireAsync(Start.AddSeconds(2), Token).AsTask()));

        Assert.Equal(users.Order(StringComparer.Ordinal), sweeps.SelectMany(s => s).Select(c => c.UserId).Order(StringComparer.Ordinal));
    }
}
