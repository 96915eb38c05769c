using FsCheck.Fluent;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Messaging.Conformance;

/// <summary>
/// The laws of <see cref="IPresenceStore"/>: per-device leases; each online transition reported once by a touch and
/// each offline transition once by a sweep (also with concurrent sweepers), with last seen = the latest activity of
/// the user's devices; visibility per user. Times are taken from a <see cref="FakeTimeProvider"/>. Inherit and supply
/// <see cref="CreateAsync"/>.
/// </summary>
/// <remarks>
/// <see cref="IPresenceStore.ExpireAsync"/> is global, so on a shared server it may also report users of other tests;
/// the suite only looks at its own users. Capabilities read: <see cref="AdapterCapabilities.MultiNode"/>; a store that
/// implements <see cref="IPresenceExpiryForecast"/> is held to its law too.
/// </remarks>
public abstract class PresenceStoreConformanceTests : ConformanceSuite
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(60);

    /// <summary>The clock of the test (start: 2024-01-15 10:30 UTC).</summary>
    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2024, 1, 15, 10, 30, 0, TimeSpan.Zero));

    /// <summary>Creates a presence store. With <see cref="AdapterCapabilities.MultiNode"/>, instances share their data.</summary>
    /// <param name="timeProvider">The test's clock (the store receives times as arguments; some adapters also need a clock).</param>
    /// <returns>The store under test.</returns>
    protected abstract ValueTask<IPresenceStore> CreateAsync(TimeProvider timeProvider);

    /// <summary>The first touch reports online, later touches report nothing.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task First_touch_reports_online_and_later_touches_report_nothing()
    {
        var store = await NewStoreAsync();
        var user = NewId("user");
        var now = Clock.GetUtcNow();

        Assert.Equal(new PresenceChange(user, PresenceStatus.Online, null), await store.TouchAsync(user, "phone", now, now + Ttl, Token));
        Assert.Null(await store.TouchAsync(user, "phone", now, now + Ttl, Token));
        Assert.Null(await store.TouchAsync(user, "laptop", now, now + Ttl, Token));
        Assert.Equal(new PresenceChange(user, PresenceStatus.Online, null), await store.GetAsync(user, Token));
    }

    /// <summary>A user goes offline once the last lease lapses, with the latest activity of any device as last seen.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Offline_is_reported_once_when_the_last_lease_lapses_with_the_latest_activity()
    {
        var store = await NewStoreAsync();
        var user = NewId("user");
        var start = Clock.GetUtcNow();
        await store.TouchAsync(user, "phone", start.AddSeconds(10), start.AddSeconds(30), Token);
        await store.TouchAsync(user, "laptop", start.AddSeconds(5), start.AddSeconds(90), Token);

        Clock.Advance(TimeSpan.FromSeconds(60));
        Assert.DoesNotContain(await store.ExpireAsync(Clock.GetUtcNow(), Token), c => c.UserId == user);
        Assert.Equal(PresenceStatus.Online, (await store.GetAsync(user, Token)).Status);

        Clock.Advance(TimeSpan.FromSeconds(30));
        var expected = new PresenceChange(user, PresenceStatus.Offline, start.AddSeconds(10));
        Assert.Equal([expected], (await store.ExpireAsync(Clock.GetUtcNow(), Token)).Where(c => c.UserId == user));
        Assert.DoesNotContain(await store.ExpireAsync(Clock.GetUtcNow(), Token), c => c.UserId == user);
        Assert.Equal(expected, await store.GetAsync(user, Token));
    }

    /// <summary>A touch may shorten a lease (a disconnect starting a grace period).</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Touch_replaces_the_lease_so_a_disconnect_can_shorten_it()
    {
        var store = await NewStoreAsync();
        var user = NewId("user");
        var start = Clock.GetUtcNow();
        await store.TouchAsync(user, "phone", start, start + Ttl, Token);
        await store.TouchAsync(user, "phone", start.AddSeconds(1), start.AddSeconds(6), Token);

        Clock.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal([new PresenceChange(user, PresenceStatus.Offline, start.AddSeconds(1))], (await store.ExpireAsync(Clock.GetUtcNow(), Token)).Where(c => c.UserId == user));
    }

    /// <summary>An unknown user is offline with no last seen and visible to everyone.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Unknown_user_is_offline_without_last_seen_and_visible_to_everyone()
    {
        var store = await NewStoreAsync();
        var user = NewId("user");

        Assert.Equal(new PresenceChange(user, PresenceStatus.Offline, null), await store.GetAsync(user, Token));
        Assert.Equal(PresenceVisibility.Everyone, await store.GetVisibilityAsync(user, Token));
    }

    /// <summary>Visibility is stored per user.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Visibility_is_stored_per_user()
    {
        var store = await NewStoreAsync();
        var (alice, bob) = (NewId("alice"), NewId("bob"));

        await store.SetVisibilityAsync(alice, PresenceVisibility.Nobody, Token);
        await store.SetVisibilityAsync(bob, PresenceVisibility.Contacts, Token);
        await store.SetVisibilityAsync(bob, PresenceVisibility.Everyone, Token);

        Assert.Equal(PresenceVisibility.Nobody, await store.GetVisibilityAsync(alice, Token));
        Assert.Equal(PresenceVisibility.Everyone, await store.GetVisibilityAsync(bob, Token));
    }

    /// <summary>
    /// Law: for any schedule of touches, clock advances and sweeps, a user's reported transitions alternate
    /// online/offline starting with online, each offline report carries the latest activity so far, and the final
    /// status matches a lease model.
    /// </summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Transitions_alternate_and_match_a_lease_model()
    {
        var store = await NewStoreAsync();

        // A step: touch (device, lease seconds), advance the clock, or sweep.
        var step = Gen.Frequency(
            (3, from device in Gen.Elements("phone", "laptop") from lease in Gen.Choose(1, 30) select (Kind: 't', Device: device, Seconds: lease)),
            (2, Gen.Choose(1, 20).Select(seconds => (Kind: 'a', Device: "", Seconds: seconds))),
            (2, Gen.Constant((Kind: 's', Device: "", Seconds: 0))));

        await Laws.CheckAsync(step.ListOf(), async steps =>
        {
            var clock = new FakeTimeProvider(Clock.GetUtcNow());
            var user = NewId("user");
            var leases = new Dictionary<string, DateTimeOffset>();
            var online = false;
            DateTimeOffset? lastActive = null;
            foreach (var (kind, device, seconds) in steps.Append((Kind: 's', Device: "", Seconds: 0)))
            {
                var now = clock.GetUtcNow();
                switch (kind)
                {
                    case 't':
                        var change = await store.TouchAsync(user, device, now, now.AddSeconds(seconds), Token);
                        Assert.Equal(online ? null : new PresenceChange(user, PresenceStatus.Online, null), change);
                        leases[device] = now.AddSeconds(seconds);
                        lastActive = now;
                        online = true;
                        break;
                    case 'a':
                        clock.Advance(TimeSpan.FromSeconds(seconds));
                        break;
                    default:
                        foreach (var lapsed in leases.Where(l => l.Value <= now).Select(l => l.Key).ToList())
                        {
                            leases.Remove(lapsed);
                        }

                        var goesOffline = online && leases.Count == 0;
                        var reported = (await store.ExpireAsync(now, Token)).Where(c => c.UserId == user);
                        Assert.Equal(goesOffline ? [new PresenceChange(user, PresenceStatus.Offline, lastActive)] : Array.Empty<PresenceChange>(), reported);
                        online &= !goesOffline;
                        break;
                }

                Assert.Equal(online ? PresenceStatus.Online : PresenceStatus.Offline, (await store.GetAsync(user, Token)).Status);
            }
        }, maxTest: 60);
    }

    /// <summary>Law: concurrent sweepers report each user's offline transition exactly once between them.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Concurrent_sweepers_report_each_offline_transition_exactly_once()
    {
        var store = await NewStoreAsync();
        var shape = from users in Gen.Choose(1, 10)
                    from sweepers in Gen.Choose(2, 6)
                    select (users, sweepers);

        await Laws.CheckAsync(shape, async s =>
        {
            var now = Clock.GetUtcNow();
            var users = Enumerable.Range(0, s.users).Select(i => NewId($"user{i}")).ToHashSet();
            foreach (var user in users)
            {
                await store.TouchAsync(user, "phone", now, now.AddSeconds(1), Token);
            }

            var reports = await Task.WhenAll(Enumerable.Range(0, s.sweepers).Select(_ =>
                Task.Run(() => store.ExpireAsync(now.AddSeconds(2), Token).AsTask())));

            var mine = reports.SelectMany(r => r).Where(c => users.Contains(c.UserId)).ToList();
            Assert.Equal(users.Order(StringComparer.Ordinal), mine.Select(c => c.UserId).Order(StringComparer.Ordinal));
            Assert.All(mine, c => Assert.Equal(new PresenceChange(c.UserId, PresenceStatus.Offline, now), c));
        }, maxTest: 30);
    }

    /// <summary>Two live instances (two nodes) see one lease set: a touch on one node is not reported online again by the other.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Two_nodes_share_leases_and_report_each_transition_once()
    {
        Require(Capabilities.MultiNode, nameof(AdapterCapabilities.MultiNode), "presence stores on two nodes report each transition once between them.");
        var (a, b) = (await NewStoreAsync(), await NewStoreAsync());
        var user = NewId("user");
        var now = Clock.GetUtcNow();

        Assert.NotNull(await a.TouchAsync(user, "phone", now, now.AddSeconds(5), Token));
        Assert.Null(await b.TouchAsync(user, "laptop", now, now.AddSeconds(5), Token));

        var reports = await Task.WhenAll(a.ExpireAsync(now.AddSeconds(6), Token).AsTask(), b.ExpireAsync(now.AddSeconds(6), Token).AsTask());
        Assert.Single(reports.SelectMany(r => r), c => c.UserId == user);
    }

    /// <summary>
    /// A store that forecasts its next expiry (<see cref="IPresenceExpiryForecast"/>) never names a time later than one
    /// of its users goes offline (the last of the user's leases lapses), also after touches shortened the leases (a
    /// node would sweep too late); other users may make it earlier. Skipped for a store without the capability.
    /// </summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task A_forecast_is_never_later_than_a_user_goes_offline_also_after_touches_shortened_the_leases()
    {
        var store = await NewStoreAsync();
        Assert.SkipUnless(store is IPresenceExpiryForecast, "The store does not implement IPresenceExpiryForecast: its nodes sweep on every interval.");
        var forecast = (IPresenceExpiryForecast)store;
        var user = NewId("user");
        var start = Clock.GetUtcNow();
        async Task AssertNoLaterThanAsync(DateTimeOffset offline, string because)
            => Assert.True(await forecast.GetNextExpiryAsync(Token) is not { } next || next <= offline, because);

        await store.TouchAsync(user, "phone", start, start + Ttl, Token);
        await store.TouchAsync(user, "laptop", start, start.AddSeconds(30), Token);
        await AssertNoLaterThanAsync(start + Ttl, "the user goes offline when the phone's lease lapses");

        await store.TouchAsync(user, "phone", start.AddSeconds(1), start.AddSeconds(6), Token);
        await AssertNoLaterThanAsync(start.AddSeconds(30), "the phone's lease was shortened: the laptop's lapses last");

        await store.TouchAsync(user, "laptop", start.AddSeconds(2), start.AddSeconds(8), Token);
        await AssertNoLaterThanAsync(start.AddSeconds(8), "both leases were shortened");
    }

    private async Task<IPresenceStore> NewStoreAsync() => Track(await CreateAsync(Clock));
}
