using FsCheck.Fluent;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Messaging.Conformance;

/// <summary>
/// The laws of <see cref="IDeduplicationStore"/>: claims are insert-if-absent (of concurrent claims of one key exactly
/// one wins and the others learn its seq), idempotent for the same seq, scoped to conversation and sender, released
/// only for the seq they hold, and gone after their window. Inherit and supply <see cref="CreateAsync"/>.
/// </summary>
/// <remarks>
/// Capabilities read: <see cref="AdapterCapabilities.ClockFromTimeProvider"/> (expiry is checked exactly by advancing
/// <see cref="Clock"/>; otherwise on the server's clock, with a short window awaited for real),
/// <see cref="AdapterCapabilities.SurvivesRestart"/>, <see cref="AdapterCapabilities.MultiNode"/>.
/// </remarks>
public abstract class DeduplicationStoreConformanceTests : ConformanceSuite
{
    private static readonly TimeSpan Window = TimeSpan.FromDays(7);

    /// <summary>The fake clock passed to <see cref="CreateAsync"/>.</summary>
    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2024, 1, 15, 10, 30, 0, TimeSpan.Zero));

    /// <summary>
    /// Creates a store. With <see cref="AdapterCapabilities.ClockFromTimeProvider"/> its claims expire by
    /// <paramref name="timeProvider"/>; with <see cref="AdapterCapabilities.SurvivesRestart"/> or
    /// <see cref="AdapterCapabilities.MultiNode"/>, instances share their claims.
    /// </summary>
    /// <param name="timeProvider">The clock (the suite's <see cref="Clock"/>).</param>
    /// <returns>The store under test.</returns>
    protected abstract ValueTask<IDeduplicationStore> CreateAsync(TimeProvider timeProvider);

    /// <summary>A claimed key is found with its seq; an unclaimed one is not.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Claimed_key_is_found_with_its_seq()
    {
        var store = await NewStoreAsync();
        var key = NewKey();

        Assert.Null(await store.FindAsync(key, Token));
        Assert.Equal(new DeduplicationClaim(true, 7), await store.ClaimAsync(key, 7, Window, Token));
        Assert.Equal(7, await store.FindAsync(key, Token));
    }

    /// <summary>Law: a second claim of a key loses and learns the first claim's seq; the same seq again is an idempotent win.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task A_claim_is_insert_if_absent_and_idempotent_for_its_own_seq()
    {
        var store = await NewStoreAsync();
        var shape = from first in Gen.Choose(1, 1000)
                    from offset in Gen.Choose(1, 1000)
                    select (first, second: first + offset);

        await Laws.CheckAsync(shape, async s =>
        {
            var key = NewKey();
            Assert.Equal(new DeduplicationClaim(true, s.first), await store.ClaimAsync(key, s.first, Window, Token));
            Assert.Equal(new DeduplicationClaim(false, s.first), await store.ClaimAsync(key, s.second, Window, Token));
            Assert.Equal(new DeduplicationClaim(true, s.first), await store.ClaimAsync(key, s.first, Window, Token));
            Assert.Equal(s.first, await store.FindAsync(key, Token));
        }, maxTest: 30);
    }

    /// <summary>A client message id is scoped to its sender and conversation.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Same_client_msg_id_of_another_sender_or_conversation_is_another_key()
    {
        var store = await NewStoreAsync();
        var key = NewKey();

        Assert.True((await store.ClaimAsync(key, 1, Window, Token)).Claimed);
        Assert.True((await store.ClaimAsync(key with { SenderId = "bob" }, 2, Window, Token)).Claimed);
        Assert.True((await store.ClaimAsync(key with { ConversationId = NewId("conv") }, 3, Window, Token)).Claimed);
        Assert.True((await store.ClaimAsync(key with { ClientMsgId = key.ClientMsgId + "x" }, 4, Window, Token)).Claimed);
        Assert.Equal(1, await store.FindAsync(key, Token));
    }

    /// <summary>Law: of concurrent claims of one key at different seqs exactly one wins, and every loser is told the winner's seq.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Concurrent_claims_of_one_key_have_exactly_one_winner()
    {
        var store = await NewStoreAsync();
        await Laws.CheckAsync(Gen.Choose(2, 12), async claimers =>
        {
            var key = NewKey();
            var claims = await Task.WhenAll(Enumerable.Range(1, claimers).Select(seq =>
                Task.Run(() => store.ClaimAsync(key, seq, Window, Token).AsTask())));
            var winner = Assert.Single(claims, c => c.Claimed);
            Assert.All(claims, c => Assert.Equal(winner.Seq, c.Seq));
            Assert.Equal(winner.Seq, await store.FindAsync(key, Token));
        }, maxTest: 30);
    }

    /// <summary>A release removes a claim only while it holds the given seq; the key can then be claimed again.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Release_removes_only_the_claim_of_the_given_seq()
    {
        var store = await NewStoreAsync();
        var key = NewKey();
        await store.ClaimAsync(key, 5, Window, Token);

        Assert.False(await store.ReleaseAsync(key, 6, Token));
        Assert.Equal(5, await store.FindAsync(key, Token));
        Assert.True(await store.ReleaseAsync(key, 5, Token));
        Assert.Null(await store.FindAsync(key, Token));
        Assert.False(await store.ReleaseAsync(key, 5, Token));
        Assert.Equal(new DeduplicationClaim(true, 9), await store.ClaimAsync(key, 9, Window, Token));
    }

    /// <summary>Law: a claim holds for its whole window and is gone once the window has passed; the key is then free again.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task A_claim_expires_exactly_after_its_window()
    {
        Require(Capabilities.ClockFromTimeProvider, nameof(AdapterCapabilities.ClockFromTimeProvider), "expiry is checked at the window's edge with a fake clock.");
        var store = await NewStoreAsync();
        var shape = from windowMinutes in Gen.Choose(1, 60 * 24 * 7)
                    from seq in Gen.Choose(1, 1000)
                    select (window: TimeSpan.FromMinutes(windowMinutes), seq);

        await Laws.CheckAsync(shape, async s =>
        {
            var key = NewKey();
            await store.ClaimAsync(key, s.seq, s.window, Token);
            Clock.Advance(s.window - TimeSpan.FromTicks(1));
            Assert.Equal(s.seq, await store.FindAsync(key, Token));
            Assert.False((await store.ClaimAsync(key, s.seq + 1, s.window, Token)).Claimed);

            Clock.Advance(TimeSpan.FromTicks(1));
            Assert.Null(await store.FindAsync(key, Token));
            Assert.Equal(new DeduplicationClaim(true, s.seq + 1), await store.ClaimAsync(key, s.seq + 1, s.window, Token));
        }, maxTest: 30);
    }

    /// <summary>On a server's clock, a claim with a short window is gone soon after the window has passed.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task A_claim_expires_on_the_servers_clock()
    {
        Assert.SkipWhen(Capabilities.ClockFromTimeProvider, "The adapter's claims expire by the injected TimeProvider, checked exactly by A_claim_expires_exactly_after_its_window.");
        var store = await NewStoreAsync();
        var key = NewKey();
        var window = TimeSpan.FromSeconds(2);
        Assert.True((await store.ClaimAsync(key, 3, window, Token)).Claimed);
        Assert.Equal(3, await store.FindAsync(key, Token));

        await WaitForAsync(UntilAsync(async () => await store.FindAsync(key, Token) is null), "the claim to expire");
        Assert.True((await store.ClaimAsync(key, 4, Window, Token)).Claimed);
    }

    /// <summary>Claims survive a restart and are shared between nodes.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Claims_are_shared_between_nodes_and_survive_a_restart()
    {
        Require(Capabilities.SurvivesRestart && Capabilities.MultiNode, nameof(AdapterCapabilities.MultiNode), "claims of one node hold on another and after a restart.");
        var key = NewKey();
        var first = await CreateAsync(Clock);
        await first.ClaimAsync(key, 11, Window, Token);
        await DisposeAdapterAsync(first);

        var (a, b) = (await NewStoreAsync(), await NewStoreAsync());
        Assert.Equal(11, await a.FindAsync(key, Token));
        Assert.Equal(new DeduplicationClaim(false, 11), await b.ClaimAsync(key, 12, Window, Token));
    }

    private static DeduplicationKey NewKey() => new(NewId("conv"), "alice", NewId("cmid"));

    // Polls a condition of the store (expiry on a server's clock has no event to wait on); WaitForAsync bounds it.
    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        while (!await condition())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), Token);
        }
    }

    private async Task<IDeduplicationStore> NewStoreAsync() => Track(await CreateAsync(Clock));
}
