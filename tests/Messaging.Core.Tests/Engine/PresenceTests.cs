using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Messaging.Tests.Engine;

public sealed class PresenceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Subscribing_pushes_the_current_presence_and_a_connect_pushes_online()
    {
        await using var harness = await EngineHarness.StartAsync();
        var (carol, watcher) = await harness.ConnectAsync("carol");

        await carol.SubscribePresenceAsync(["bob"], Ct);
        await watcher.WaitForAsync(events => Presences(events, "bob").Count == 1);
        await harness.ConnectAsync("bob");

        await watcher.WaitForAsync(events => Presences(events, "bob").Count == 2);
        Assert.Equal([new PresenceInfo("bob", PresenceStatus.Offline, null), new PresenceInfo("bob", PresenceStatus.Online, null)], Presences(watcher.Events, "bob"));
    }

    [Fact]
    public async Task A_disconnect_goes_offline_after_the_grace_period_with_the_last_seen_time()
    {
        await using var harness = await EngineHarness.StartAsync(o => o.PresenceGracePeriod = TimeSpan.FromSeconds(5));
        var (carol, watcher) = await harness.ConnectAsync("carol");
        var (bob, _) = await harness.ConnectAsync("bob");
        await carol.SubscribePresenceAsync(["bob"], Ct);
        await watcher.WaitForAsync(events => Presences(events, "bob").Contains(new PresenceInfo("bob", PresenceStatus.Online, null)));
        harness.Time.Advance(TimeSpan.FromSeconds(10));
        var leftAt = harness.Time.GetUtcNow();

        await bob.DisposeAsync();
        Assert.Equal(PresenceStatus.Online, (await harness.Engine.GetPresenceAsync("carol", "bob", Ct)).Status);
        harness.Time.Advance(TimeSpan.FromSeconds(6));

        var offline = new PresenceInfo("bob", PresenceStatus.Offline, leftAt);
        await watcher.WaitForAsync(events => Presences(events, "bob").Contains(offline));
        Assert.Equal(offline, await harness.Engine.GetPresenceAsync("carol", "bob", Ct));
    }

    [Fact]
    public async Task A_reconnect_within_the_grace_period_is_never_seen_as_offline()
    {
        await using var harness = await EngineHarness.StartAsync(o => o.PresenceGracePeriod = TimeSpan.FromSeconds(5));
        var (carol, watcher) = await harness.ConnectAsync("carol");
        var (bob, _) = await harness.ConnectAsync("bob");
        await carol.SubscribePresenceAsync(["bob", "dave"], Ct);
        await harness.Engine.HeartbeatAsync("dave", "web", Ct);
        await watcher.WaitForAsync(events => Presences(events, "dave").Contains(new PresenceInfo("dave", PresenceStatus.Online, null)));

        await bob.DisposeAsync();
        harness.Time.Advance(TimeSpan.FromSeconds(2));
        await harness.ConnectAsync("bob");

        // Dave's lease (60 s) lapses in the same sweep that would have taken bob offline; bob's new lease has 3 s left.
        harness.Time.Advance(TimeSpan.FromSeconds(59));
        await watcher.WaitForAsync(events => Presences(events, "dave").Any(p => p.Status == PresenceStatus.Offline && p.LastSeen is not null));
        Assert.Equal(PresenceStatus.Online, (await harness.Engine.GetPresenceAsync("carol", "bob", Ct)).Status);
        Assert.DoesNotContain(Presences(watcher.Events, "bob"), p => p.Status == PresenceStatus.Offline && p.LastSeen is not null);
    }

    [Fact]
    public async Task A_device_that_stops_heartbeating_goes_offline_after_the_ttl()
    {
        await using var harness = await EngineHarness.StartAsync(o => o.PresenceTtl = TimeSpan.FromSeconds(60));
        var (carol, watcher) = await harness.ConnectAsync("carol");
        await carol.SubscribePresenceAsync(["dave"], Ct);
        var lastBeat = harness.Time.GetUtcNow();
        await harness.Engine.HeartbeatAsync("dave", "web", Ct);
        await watcher.WaitForAsync(events => Presences(events, "dave").Contains(new PresenceInfo("dave", PresenceStatus.Online, null)));

        harness.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(PresenceStatus.Online, (await harness.Engine.GetPresenceAsync("carol", "dave", Ct)).Status);
        harness.Time.Advance(TimeSpan.FromSeconds(2));

        await watcher.WaitForAsync(events => Presences(events, "dave").Contains(new PresenceInfo("dave", PresenceStatus.Offline, lastBeat)));
    }

    [Fact]
    public async Task A_live_connection_stays_online_past_the_ttl_without_client_heartbeats()
    {
        var presence = new TouchCountingPresenceStore();
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s.AddSingleton<IPresenceStore>(presence));
        await harness.ConnectAsync("bob");

        for (var refresh = 1; refresh <= 4; refresh++)
        {
            // Each heartbeat interval the node renews the leases of its live connections.
            harness.Time.Advance(TimeSpan.FromSeconds(30));
            await presence.WhenTouchedAsync("bob", 1 + refresh).WaitAsync(EngineHarness.Timeout, Ct);
        }

        Assert.DoesNotContain("bob", presence.WentOffline);
        Assert.Equal(PresenceStatus.Online, (await harness.Engine.GetPresenceAsync("carol", "bob", Ct)).Status);
    }

    [Fact]
    public async Task Nobody_visibility_shows_others_offline_without_last_seen_but_the_user_sees_themself()
    {
        await using var harness = await EngineHarness.StartAsync();
        await harness.Engine.SetPresenceVisibilityAsync("bob", PresenceVisibility.Nobody, Ct);
        var (carol, watcher) = await harness.ConnectAsync("carol");
        var (bob, self) = await harness.ConnectAsync("bob", "laptop");
        await carol.SubscribePresenceAsync(["bob"], Ct);
        await bob.SubscribePresenceAsync(["bob"], Ct);

        await harness.ConnectAsync("bob", "phone");
        await harness.Engine.HeartbeatAsync("bob", "web", Ct);

        await self.WaitForAsync(events => Presences(events, "bob").Contains(new PresenceInfo("bob", PresenceStatus.Online, null)));
        await watcher.WaitForAsync(events => Presences(events, "bob").Count >= 1);
        Assert.All(Presences(watcher.Events, "bob"), p => Assert.Equal(new PresenceInfo("bob", PresenceStatus.Offline, null), p));
        Assert.Equal(new PresenceInfo("bob", PresenceStatus.Offline, null), await harness.Engine.GetPresenceAsync("carol", "bob", Ct));
        Assert.Equal(PresenceStatus.Online, (await harness.Engine.GetPresenceAsync("bob", "bob", Ct)).Status);
    }

    [Fact]
    public async Task Contacts_visibility_shows_presence_only_to_users_who_exchanged_direct_messages()
    {
        await using var harness = await EngineHarness.StartAsync();
        var direct = await harness.CreateDirectAsync("bob", "carol");
        await harness.Engine.SetPresenceVisibilityAsync("bob", PresenceVisibility.Contacts, Ct);
        var (carol, contact) = await harness.ConnectAsync("carol");
        var (mallory, stranger) = await harness.ConnectAsync("mallory");
        var (bob, _) = await harness.ConnectAsync("bob");
        await bob.SendAsync(EventWaits.Text(direct, "hi carol"), Ct);
        await carol.SendAsync(EventWaits.Text(direct, "hi bob"), Ct);

        await carol.SubscribePresenceAsync(["bob"], Ct);
        await mallory.SubscribePresenceAsync(["bob"], Ct);

        await contact.WaitForAsync(events => Presences(events, "bob").Count == 1);
        await stranger.WaitForAsync(events => Presences(events, "bob").Count == 1);
        Assert.Equal(new PresenceInfo("bob", PresenceStatus.Online, null), Presences(contact.Events, "bob")[0]);
        Assert.Equal(new PresenceInfo("bob", PresenceStatus.Offline, null), Presences(stranger.Events, "bob")[0]);
        Assert.Equal(PresenceStatus.Offline, (await harness.Engine.GetPresenceAsync("mallory", "bob", Ct)).Status);
    }

    [Fact]
    public async Task Changing_visibility_is_pushed_to_watchers_under_the_new_rule()
    {
        await using var harness = await EngineHarness.StartAsync();
        var (carol, watcher) = await harness.ConnectAsync("carol");
        await harness.ConnectAsync("bob");
        await carol.SubscribePresenceAsync(["bob"], Ct);
        await watcher.WaitForAsync(events => Presences(events, "bob").Contains(new PresenceInfo("bob", PresenceStatus.Online, null)));

        await harness.Engine.SetPresenceVisibilityAsync("bob", PresenceVisibility.Nobody, Ct);

        await watcher.WaitForAsync(events => Presences(events, "bob").Count == 2);
        Assert.Equal(new PresenceInfo("bob", PresenceStatus.Offline, null), Presences(watcher.Events, "bob")[1]);
    }

    [Fact]
    public async Task A_connection_may_not_watch_more_than_the_limit()
    {
        await using var harness = await EngineHarness.StartAsync();
        var (carol, _) = await harness.ConnectAsync("carol");

        var error = await Assert.ThrowsAsync<MessagingValidationException>(async () => await carol.SubscribePresenceAsync([.. Enumerable.Range(0, EngineLimits.MaxPresenceSubscriptions + 1).Select(i => $"u{i}")], Ct));

        Assert.Equal(MessagingErrorKind.BadRequest, error.Kind);
    }

    [Fact]
    public async Task With_a_store_that_forecasts_its_next_expiry_the_sweep_asks_the_store_only_once_a_lease_may_have_lapsed()
    {
        var store = new ForecastingPresenceStore();
        await using var harness = await EngineHarness.StartAsync(
            o =>
            {
                // The loop stays asleep: the test runs each sweep itself.
                o.PresenceSweepInterval = TimeSpan.FromHours(1);
                o.PresenceGracePeriod = TimeSpan.FromSeconds(5);
            },
            services => services.AddSingleton<IPresenceStore>(store));
        var presence = harness.Engine.Presence;
        var start = harness.Time.GetUtcNow();
        async Task<(int Reads, int Sweeps)> SweepAtAsync(double seconds)
        {
            harness.Time.Advance(start.AddSeconds(seconds) - harness.Time.GetUtcNow());
            await presence.SweepAsync(Ct);
            return (store.ForecastReads, store.Sweeps);
        }

        // Nothing lapses for 30 s, but a lease written after a read may lapse one grace period later: read again then.
        store.Forecast = start.AddSeconds(30);
        Assert.Equal((1, 0), await SweepAtAsync(0));
        Assert.Equal((1, 0), await SweepAtAsync(4.999));
        Assert.Equal((2, 0), await SweepAtAsync(5));

        // A forecast within the grace period is when the store is next read, and swept once it has come.
        store.Forecast = start.AddSeconds(12);
        Assert.Equal((3, 0), await SweepAtAsync(10));
        Assert.Equal((3, 0), await SweepAtAsync(11.999));
        Assert.Equal((4, 1), await SweepAtAsync(12));

        // After a sweep the forecast is read on the next look; a store that knows of no lease is read every grace period.
        store.Forecast = DateTimeOffset.MaxValue;
        Assert.Equal((5, 1), await SweepAtAsync(13));
        Assert.Equal((5, 1), await SweepAtAsync(17.999));
        Assert.Equal((6, 1), await SweepAtAsync(18));

        // A store that cannot tell is swept on every look.
        store.Forecast = null;
        Assert.Equal((7, 2), await SweepAtAsync(23));
        Assert.Equal((8, 3), await SweepAtAsync(23.5));
    }

    private sealed class ForecastingPresenceStore : IPresenceStore, IPresenceExpiryForecast
    {
        private readonly InMemoryPresenceStore _inner = new();

        public DateTimeOffset? Forecast { get; set; }

        public int ForecastReads { get; private set; }

        public int Sweeps { get; private set; }

        public ValueTask<DateTimeOffset?> GetNextExpiryAsync(CancellationToken cancellationToken = default)
        {
            ForecastReads++;
            return ValueTask.FromResult(Forecast);
        }

        public ValueTask<IReadOnlyList<PresenceChange>> ExpireAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
        {
            Sweeps++;
            return _inner.ExpireAsync(now, cancellationToken);
        }

        public ValueTask<PresenceChange?> TouchAsync(string userId, string deviceId, DateTimeOffset activeAt, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
            => _inner.TouchAsync(userId, deviceId, activeAt, expiresAt, cancellationToken);

        public ValueTask<PresenceChange> GetAsync(string userId, CancellationToken cancellationToken = default) => _inner.GetAsync(userId, cancellationToken);

        public ValueTask<PresenceVisibility> GetVisibilityAsync(string userId, CancellationToken cancellationToken = default) => _inner.GetVisibilityAsync(userId, cancellationToken);

        public ValueTask SetVisibilityAsync(string userId, PresenceVisibility visibility, CancellationToken cancellationToken = default) => _inner.SetVisibilityAsync(userId, visibility, cancellationToken);
    }

    private sealed class TouchCountingPresenceStore : IPresenceStore
    {
        private readonly InMemoryPresenceStore _inner = new();
        private readonly Lock _gate = new();
        private readonly Dictionary<string, int> _touches = [];
        private readonly List<string> _offline = [];
        private readonly List<(string UserId, int Count, TaskCompletionSource Done)> _waiters = [];

        public Task WhenTouchedAsync(string userId, int count)
        {
            lock (_gate)
            {
                if (_touches.GetValueOrDefault(userId) >= count)
                {
                    return Task.CompletedTask;
                }

                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((userId, count, done));
                return done.Task;
            }
        }

        public async ValueTask<PresenceChange?> TouchAsync(string userId, string deviceId, DateTimeOffset activeAt, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
        {
            var change = await _inner.TouchAsync(userId, deviceId, activeAt, expiresAt, cancellationToken);
            lock (_gate)
            {
                var count = _touches[userId] = _touches.GetValueOrDefault(userId) + 1;
                foreach (var waiter in _waiters.Where(w => w.UserId == userId && w.Count <= count).ToList())
                {
                    waiter.Done.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }

            return change;
        }

        public IReadOnlyList<string> WentOffline
        {
            get
            {
                lock (_gate)
                {
                    return [.. _offline];
                }
            }
        }

        public async ValueTask<IReadOnlyList<PresenceChange>> ExpireAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
        {
            var changes = await _inner.ExpireAsync(now, cancellationToken);
            lock (_gate)
            {
                _offline.AddRange(changes.Select(c => c.UserId));
            }

            return changes;
        }

        public ValueTask<PresenceChange> GetAsync(string userId, CancellationToken cancellationToken = default) => _inner.GetAsync(userId, cancellationToken);

        public ValueTask<PresenceVisibility> GetVisibilityAsync(string userId, CancellationToken cancellationToken = default) => _inner.GetVisibilityAsync(userId, cancellationToken);

        public ValueTask SetVisibilityAsync(string userId, PresenceVisibility visibility, CancellationToken cancellationToken = default) => _inner.SetVisibilityAsync(userId, visibility, cancellationToken);
    }

    private static List<PresenceInfo> Presences(IReadOnlyList<ClientEvent> events, string userId) => events.Presences(userId);
}
