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
    public async Task The_forecast_is_the_earliest_lease_expiry_or_full_sweep_and_moves_on_with_the_sweeps()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        var store = new RedisPresenceStore(connection);
        Assert.NotEqual(RedisKeys.PresenceShard("alice", RedisStoreOptions.DefaultPresenceShards), RedisKeys.PresenceShard("bob", RedisStoreOptions.DefaultPresenceShards));
        Assert.Equal(DateTimeOffset.MaxValue, await store.GetNextExpiryAsync(Token));

        // bob's touch also brings back the full sweep's mark, due when his lease lapses; alice's expiry rounds up to a millisecond.
        await store.TouchAsync("bob", "phone", Start, Start.AddSeconds(60), Token);
        await store.TouchAsync("alice", "phone", Start, Start.AddSeconds(5).AddTicks(5_000), Token);
        Assert.Equal(Start.AddSeconds(5).AddMilliseconds(1), await store.GetNextExpiryAsync(Token));

        Assert.Equal([new PresenceChange("alice", PresenceStatus.Offline, Start)], await store.ExpireAsync(Start.AddSeconds(5).AddMilliseconds(1), Token));
        Assert.Equal(Start.AddSeconds(60), await store.GetNextExpiryAsync(Token));

        // The sweep at bob's expiry also claims the full sweep, whose mark is then a minute ahead and the only entry.
        Assert.Equal([new PresenceChange("bob", PresenceStatus.Offline, Start)], await store.ExpireAsync(Start.AddSeconds(60), Token));
        Assert.Equal(Start.AddSeconds(120), await store.GetNextExpiryAsync(Token));
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

    [Fact]
    public async Task Idle_gateways_cost_one_command_each_per_sweep_whatever_the_shard_count()
    {
        // Four gateways, sixteen shards, users online with nothing due: each sweep reads the due index once and runs
        // no script.
        const int Gateways = 4;
        const int Rounds = 5;
        await using var server = await RedisServer.StartAsync();
        await using var connections = await RedisConnections.OpenAsync(server, Gateways);
        var stores = connections.All.Select(c => new RedisPresenceStore(c)).ToArray();
        var users = Enumerable.Range(0, 100).Select(i => $"user-{i}").ToArray();
        await Task.WhenAll(users.Select((u, i) => stores[i % Gateways].TouchAsync(u, "phone", Start, Start.AddSeconds(60), Token).AsTask()));
        Assert.Equal(RedisStoreOptions.DefaultPresenceShards, users.Select(u => RedisKeys.PresenceShard(u, RedisStoreOptions.DefaultPresenceShards)).Distinct().Count());
        foreach (var store in stores)
        {
            Assert.Empty(await store.ExpireAsync(Start, Token));
        }

        var before = await RedisCommandStats.ReadAsync(connections.All[0]);
        for (var round = 1; round <= Rounds; round++)
        {
            foreach (var store in stores)
            {
                Assert.Empty(await store.ExpireAsync(Start.AddSeconds(round), Token));
            }
        }

        var after = await RedisCommandStats.ReadAsync(connections.All[0]);

        // The connection's own keep-alive and these reads are not the sweep's.
        string[] notSweeps = ["info", "ping", "echo"];
        var delta = after.Where(p => !notSweeps.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value - before.GetValueOrDefault(p.Key));
        Assert.Equal(Gateways * Rounds, delta.GetValueOrDefault("zrangebyscore"));
        Assert.Equal(Gateways * Rounds, delta.Values.Sum());
    }

    [Fact]
    public async Task Gateways_sweeping_at_once_report_each_lapsed_user_once_and_run_scripts_only_for_due_shards()
    {
        const int Gateways = 4;
        await using var server = await RedisServer.StartAsync();
        await using var connections = await RedisConnections.OpenAsync(server, Gateways);
        var stores = connections.All.Select(c => new RedisPresenceStore(c)).ToArray();
        foreach (var store in stores)
        {
            Assert.Empty(await store.ExpireAsync(Start, Token));
        }

        // Everybody online for a minute; then some disconnect and their leases shrink to a grace period, which moves
        // their shards' earliest expiry earlier.
        var users = Enumerable.Range(0, 200).Select(i => $"user-{i}").ToArray();
        await Task.WhenAll(users.Select((u, i) => stores[i % Gateways].TouchAsync(u, "phone", Start, Start.AddSeconds(60), Token).AsTask()));
        var leaving = users.Where(u => RedisKeys.PresenceShard(u, RedisStoreOptions.DefaultPresenceShards) < 4).ToArray();
        await Task.WhenAll(leaving.Select((u, i) => stores[(i + 1) % Gateways].TouchAsync(u, "phone", Start.AddSeconds(1), Start.AddSeconds(6), Token).AsTask()));
        var dueShards = leaving.Select(u => RedisKeys.PresenceShard(u, RedisStoreOptions.DefaultPresenceShards)).Distinct().Count();
        Assert.Equal(4, dueShards);

        var before = await RedisCommandStats.ReadAsync(connections.All[0]);
        var sweeps = await Task.WhenAll(stores.Select(s => Task.Run(() => s.ExpireAsync(Start.AddSeconds(6), Token).AsTask())));
        var after = await RedisCommandStats.ReadAsync(connections.All[0]);

        var reported = sweeps.SelectMany(s => s).ToList();
        Assert.Equal(leaving.Order(StringComparer.Ordinal), reported.Select(c => c.UserId).Order(StringComparer.Ordinal));
        Assert.All(reported, c => Assert.Equal(new PresenceChange(c.UserId, PresenceStatus.Offline, Start.AddSeconds(1)), c));
        var scripts = after.GetValueOrDefault("evalsha") + after.GetValueOrDefault("eval") - before.GetValueOrDefault("evalsha") - before.GetValueOrDefault("eval");
        Assert.InRange(scripts, dueShards, Gateways * dueShards);

        // The rest lapse a minute in; the shards the sweeps emptied of due users are idle until then.
        Assert.Empty(await stores[0].ExpireAsync(Start.AddSeconds(59), Token));
        var rest = (await Task.WhenAll(stores.Select(s => s.ExpireAsync(Start.AddSeconds(60), Token).AsTask()))).SelectMany(s => s).Select(c => c.UserId);
        Assert.Equal(users.Except(leaving).Order(StringComparer.Ordinal), rest.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_stopped_gateways_users_are_reported_offline_by_the_gateways_left()
    {
        await using var server = await RedisServer.StartAsync();
        await using var survivor = await server.ConnectAsync();
        var remaining = new RedisPresenceStore(survivor);
        Assert.Empty(await remaining.ExpireAsync(Start, Token));
        var users = Enumerable.Range(0, 50).Select(i => $"user-{i}").ToArray();
        await using (var stopped = await server.ConnectAsync())
        {
            var gateway = new RedisPresenceStore(stopped);
            Assert.Empty(await gateway.ExpireAsync(Start, Token));
            await Task.WhenAll(users.Select(u => gateway.TouchAsync(u, "phone", Start, Start.AddSeconds(5), Token).AsTask()));
        }

        Assert.Empty(await remaining.ExpireAsync(Start.AddSeconds(4), Token));
        var changes = await remaining.ExpireAsync(Start.AddSeconds(5), Token);

        Assert.Equal(users.Order(StringComparer.Ordinal), changes.Select(c => c.UserId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_lease_the_due_index_does_not_know_is_found_by_the_full_sweep_one_gateway_runs_each_minute()
    {
        // As written by a version without the index during a rolling upgrade.
        await using var server = await RedisServer.StartAsync();
        await using var connections = await RedisConnections.OpenAsync(server, 2);
        var stores = connections.All.Select(c => new RedisPresenceStore(c)).ToArray();
        var database = connections.All[0].GetDatabase();
        await stores[0].TouchAsync("bob", "phone", Start, Start.AddSeconds(60), Token);
        var shard = RedisKeys.PresenceShard("alice", RedisStoreOptions.DefaultPresenceShards);
        Assert.NotEqual(shard, RedisKeys.PresenceShard("bob", RedisStoreOptions.DefaultPresenceShards));
        await RedisScripts.PresenceTouch.EvaluateAsync(
            database,
            [RedisKeys.PresenceExpiries(shard), RedisKeys.PresenceLeases(shard, "alice"), RedisKeys.PresenceState(shard, "alice")],
            ["alice", "phone", StoredTime.Ticks(Start), Start.AddSeconds(5).ToUnixTimeMilliseconds(), string.Empty, shard]);

        Assert.Empty(await stores[0].ExpireAsync(Start.AddSeconds(5), Token));
        Assert.Empty(await stores[1].ExpireAsync(Start.AddSeconds(59), Token));

        var before = await RedisCommandStats.ReadAsync(connections.All[0]);
        var sweeps = await Task.WhenAll(stores.Select(s => s.ExpireAsync(Start.AddSeconds(60), Token).AsTask()));
        var after = await RedisCommandStats.ReadAsync(connections.All[0]);

        var offline = sweeps.SelectMany(s => s).OrderBy(c => c.UserId, StringComparer.Ordinal);
        Assert.Equal([new PresenceChange("alice", PresenceStatus.Offline, Start), new PresenceChange("bob", PresenceStatus.Offline, Start)], offline);
        Assert.Equal(Start.AddSeconds(120).ToUnixTimeMilliseconds(), await database.SortedSetScoreAsync(RedisKeys.PresenceDue(), RedisKeys.PresenceFullSweep));

        // One of the two claimed the mark and went over every shard; the other swept only bob's shard, if anything.
        var scripts = after.GetValueOrDefault("evalsha") + after.GetValueOrDefault("eval") - before.GetValueOrDefault("evalsha") - before.GetValueOrDefault("eval");
        Assert.InRange(scripts, RedisStoreOptions.DefaultPresenceShards, RedisStoreOptions.DefaultPresenceShards + 1);
    }
    [Fact]
    public async Task Of_gateways_sweeping_at_one_instant_exactly_one_claims_each_full_sweep()
    {
        // Nobody is due for hours, so every script run is a full sweep's: one per shard for the gateway that claimed it.
        const int Gateways = 6;
        await using var server = await RedisServer.StartAsync();
        await using var connections = await RedisConnections.OpenAsync(server, Gateways);
        var stores = connections.All.Select(c => new RedisPresenceStore(c)).ToArray();
        // The first lease places the full-sweep mark a minute in; the renewal leaves the mark and moves the lease on.
        await stores[0].TouchAsync("alice", "phone", Start, Start.AddMinutes(1), Token);
        await stores[0].TouchAsync("alice", "phone", Start, Start.AddHours(10), Token);
        foreach (var store in stores)
        {
            Assert.Empty(await store.ExpireAsync(Start, Token));
        }

        for (var minute = 1; minute <= 30; minute++)
        {
            var before = await RedisCommandStats.ReadAsync(connections.All[0]);
            var at = Start.AddMinutes(minute);
            await Task.WhenAll(stores.Select(s => Task.Run(() => s.ExpireAsync(at, Token).AsTask())));
            var after = await RedisCommandStats.ReadAsync(connections.All[0]);

            var scripts = after.GetValueOrDefault("evalsha") + after.GetValueOrDefault("eval") - before.GetValueOrDefault("evalsha") - before.GetValueOrDefault("eval");
            Assert.True(scripts == RedisStoreOptions.DefaultPresenceShards, $"Minute {minute}: {scripts} script runs, {RedisStoreOptions.DefaultPresenceShards} expected (one full sweep).");
        }
    }
}
