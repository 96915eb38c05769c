using FsCheck.Fluent;
using Xunit;

namespace Messaging.Conformance;

/// <summary>
/// The laws of <see cref="IContactStore"/>: two users are contacts exactly when each has sent the other a message,
/// whatever the order of the arguments; records are idempotent; exactly one record reports that a pair became
/// contacts, also when both sides (and several nodes) record at once; pairs never leak into each other. Inherit and
/// supply <see cref="CreateAsync"/>.
/// </summary>
/// <remarks>Capabilities read: <see cref="AdapterCapabilities.SurvivesRestart"/>, <see cref="AdapterCapabilities.MultiNode"/>.</remarks>
public abstract class ContactStoreConformanceTests : ConformanceSuite
{
    /// <summary>Creates a contact store. With <see cref="AdapterCapabilities.SurvivesRestart"/> or <see cref="AdapterCapabilities.MultiNode"/>, instances share their data.</summary>
    /// <returns>The store under test.</returns>
    protected abstract ValueTask<IContactStore> CreateAsync();

    /// <summary>One direction is not enough; the second one makes the pair contacts, seen from both sides.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Users_are_contacts_only_once_each_has_sent_the_other_a_message()
    {
        var store = await NewStoreAsync();
        var (alice, bob) = (NewId("alice"), NewId("bob"));

        Assert.False(await store.AreContactsAsync(alice, bob, Token));
        Assert.False(await store.RecordMessageAsync(alice, bob, Token));
        Assert.False(await store.AreContactsAsync(alice, bob, Token));
        Assert.False(await store.AreContactsAsync(bob, alice, Token));

        Assert.True(await store.RecordMessageAsync(bob, alice, Token));

        Assert.True(await store.AreContactsAsync(alice, bob, Token));
        Assert.True(await store.AreContactsAsync(bob, alice, Token));
    }

    /// <summary>Repeating a direction changes nothing, and only the record that completed the pair reports it.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Records_are_idempotent_and_only_the_completing_one_reports_it()
    {
        var store = await NewStoreAsync();
        var (alice, bob) = (NewId("alice"), NewId("bob"));

        Assert.False(await store.RecordMessageAsync(alice, bob, Token));
        Assert.False(await store.RecordMessageAsync(alice, bob, Token));
        Assert.False(await store.AreContactsAsync(alice, bob, Token));
        Assert.True(await store.RecordMessageAsync(bob, alice, Token));
        Assert.False(await store.RecordMessageAsync(bob, alice, Token));
        Assert.False(await store.RecordMessageAsync(alice, bob, Token));
        Assert.True(await store.AreContactsAsync(alice, bob, Token));
    }

    /// <summary>A pair's records say nothing about other pairs, also for ids whose concatenations are equal.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Pairs_are_independent_also_when_their_ids_concatenate_alike()
    {
        var store = await NewStoreAsync();
        var prefix = NewId("u");
        var (ab, c, a, bc, carol) = (prefix + "ab", prefix + "c", prefix + "a", prefix + "bc", NewId("carol"));
        await store.RecordMessageAsync(ab, c, Token);
        await store.RecordMessageAsync(c, ab, Token);
        await store.RecordMessageAsync(a, bc, Token);

        Assert.True(await store.AreContactsAsync(ab, c, Token));
        Assert.False(await store.AreContactsAsync(a, bc, Token));
        Assert.False(await store.AreContactsAsync(ab, carol, Token));
        Assert.False(await store.AreContactsAsync(c, carol, Token));
    }

    /// <summary>A user is never paired with themself: the store refuses it instead of recording anything.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task A_pair_of_one_user_is_refused()
    {
        var store = await NewStoreAsync();
        var alice = NewId("alice");

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await store.RecordMessageAsync(alice, alice, Token));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await store.AreContactsAsync(alice, alice, Token));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await store.RecordMessageAsync(alice, string.Empty, Token));
    }

    /// <summary>Law: whatever records run concurrently, from both sides, exactly one reports the pair complete.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Concurrent_records_from_both_sides_report_the_pair_complete_exactly_once()
    {
        var store = await NewStoreAsync();
        var senders = Gen.Elements(true, false).ListOf().Where(l => l.Count > 0);

        await Laws.CheckAsync(senders, async fromAlice =>
        {
            var (alice, bob) = (NewId("alice"), NewId("bob"));
            var reports = await Task.WhenAll(fromAlice.Select(a => Task.Run(() => (a ? store.RecordMessageAsync(alice, bob, Token) : store.RecordMessageAsync(bob, alice, Token)).AsTask())));

            var mutual = fromAlice.Contains(true) && fromAlice.Contains(false);
            Assert.Equal(mutual ? 1 : 0, reports.Count(r => r));
            Assert.Equal(mutual, await store.AreContactsAsync(alice, bob, Token));
        }, maxTest: 30);
    }

    /// <summary>Two nodes recording the two directions at once: one of them reports the pair, both see it.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Two_nodes_share_records_and_report_the_pair_once()
    {
        Require(Capabilities.MultiNode, nameof(AdapterCapabilities.MultiNode), "contact stores on two nodes share records and report a completed pair once between them.");
        var (first, second) = (await NewStoreAsync(), await NewStoreAsync());
        var (alice, bob) = (NewId("alice"), NewId("bob"));

        var reports = await Task.WhenAll(
            Task.Run(() => first.RecordMessageAsync(alice, bob, Token).AsTask()),
            Task.Run(() => second.RecordMessageAsync(bob, alice, Token).AsTask()));

        Assert.Single(reports, r => r);
        Assert.True(await first.AreContactsAsync(bob, alice, Token));
        Assert.True(await second.AreContactsAsync(alice, bob, Token));
    }

    /// <summary>Records outlive the adapter instance.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Records_survive_a_restart()
    {
        Require(Capabilities.SurvivesRestart, nameof(AdapterCapabilities.SurvivesRestart), "contact records are durable across a restart.");
        var (alice, bob) = (NewId("alice"), NewId("bob"));
        var first = await CreateAsync();
        await first.RecordMessageAsync(alice, bob, Token);
        await DisposeAdapterAsync(first);

        var second = await NewStoreAsync();
        Assert.True(await second.RecordMessageAsync(bob, alice, Token));
        Assert.True(await second.AreContactsAsync(alice, bob, Token));
    }

    private async Task<IContactStore> NewStoreAsync() => Track(await CreateAsync());
}
