using FsCheck.Fluent;
using Xunit;

namespace Messaging.Conformance;

/// <summary>
/// The laws of <see cref="ISequencer"/>: per-conversation seqs are handed out once each, in increasing order, gap-free
/// under concurrent callers, and never reused after a fence. Inherit and supply <see cref="CreateAsync"/>.
/// </summary>
/// <remarks>Capabilities read: <see cref="AdapterCapabilities.SurvivesRestart"/>, <see cref="AdapterCapabilities.MultiNode"/>.</remarks>
public abstract class SequencerConformanceTests : ConformanceSuite
{
    /// <summary>Creates a sequencer. With <see cref="AdapterCapabilities.SurvivesRestart"/> or <see cref="AdapterCapabilities.MultiNode"/>, instances share their counters.</summary>
    /// <returns>The sequencer under test.</returns>
    protected abstract ValueTask<ISequencer> CreateAsync();

    /// <summary>A new conversation starts at 1 and <see cref="ISequencer.CurrentAsync"/> follows.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task New_conversation_starts_at_one_and_current_follows_next()
    {
        var sequencer = await NewSequencerAsync();
        var conversation = NewId("conv");

        Assert.Equal(0, await sequencer.CurrentAsync(conversation, Token));
        Assert.Equal(1, await sequencer.NextAsync(conversation, Token));
        Assert.Equal(2, await sequencer.NextAsync(conversation, Token));
        Assert.Equal(2, await sequencer.CurrentAsync(conversation, Token));
    }

    /// <summary>Counters of different conversations do not affect each other.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Conversations_have_independent_counters()
    {
        var sequencer = await NewSequencerAsync();
        string a = NewId("conv"), b = NewId("conv");

        await sequencer.NextAsync(a, Token);
        await sequencer.NextAsync(a, Token);
        await sequencer.FenceAsync(a, 50, Token);

        Assert.Equal(1, await sequencer.NextAsync(b, Token));
        Assert.Equal(51, await sequencer.NextAsync(a, Token));
    }

    /// <summary>Law: concurrent callers together receive exactly 1..n.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Concurrent_callers_receive_a_gap_free_range_from_one_to_n()
    {
        var sequencer = await NewSequencerAsync();
        var shape = from callers in Gen.Choose(1, 8)
                    from perCaller in Gen.Choose(1, 25)
                    select (callers, perCaller);

        await Laws.CheckAsync(shape, async s =>
        {
            var conversation = NewId("conv");
            var taken = await Task.WhenAll(Enumerable.Range(0, s.callers).Select(_ => Task.Run(async () =>
            {
                var seqs = new List<long>();
                for (var i = 0; i < s.perCaller; i++)
                {
                    seqs.Add(await sequencer.NextAsync(conversation, Token));
                }

                return seqs;
            })));

            foreach (var seqs in taken)
            {
                Assert.True(seqs.SequenceEqual(seqs.Order()), "one caller's seqs must increase");
            }

            var total = s.callers * s.perCaller;
            Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), taken.SelectMany(x => x).Order());
            Assert.Equal(total, await sequencer.CurrentAsync(conversation, Token));
        }, maxTest: 40);
    }

    /// <summary>Law: under any mix of takes and fences, seqs strictly increase, exceed every earlier fence and never repeat.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Seqs_increase_and_are_never_reused_across_fences()
    {
        var sequencer = await NewSequencerAsync();

        // A step is either a take (null) or a fence to the given value.
        var step = Gen.Frequency((3, Gen.Constant<long?>(null)), (1, Gen.Choose(0, 60).Select(v => (long?)v)));
        await Laws.CheckAsync(step.ListOf(), async steps =>
        {
            var conversation = NewId("conv");
            long model = 0;
            foreach (var fence in steps)
            {
                if (fence is { } value)
                {
                    await sequencer.FenceAsync(conversation, value, Token);
                    model = Math.Max(model, value);
                }
                else
                {
                    var seq = await sequencer.NextAsync(conversation, Token);
                    Assert.Equal(model + 1, seq);
                    model = seq;
                }

                Assert.Equal(model, await sequencer.CurrentAsync(conversation, Token));
            }
        }, maxTest: 60);
    }

    /// <summary>A counter continues after the sequencer is recreated (a restart or failover).</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Counter_continues_after_a_restart()
    {
        Require(Capabilities.SurvivesRestart, nameof(AdapterCapabilities.SurvivesRestart), "a restarted node continues each conversation's counter.");
        var conversation = NewId("conv");
        var first = await CreateAsync();
        await first.NextAsync(conversation, Token);
        await first.NextAsync(conversation, Token);
        await DisposeAdapterAsync(first);

        var second = await NewSequencerAsync();
        Assert.Equal(3, await second.NextAsync(conversation, Token));
    }

    /// <summary>Two live instances (two nodes) together hand out a gap-free range.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Two_nodes_share_one_gap_free_counter()
    {
        Require(Capabilities.MultiNode, nameof(AdapterCapabilities.MultiNode), "sequencers on two nodes never hand out the same seq.");
        var nodes = new[] { await NewSequencerAsync(), await NewSequencerAsync() };
        var conversation = NewId("conv");

        var taken = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => nodes[i % 2].NextAsync(conversation, Token).AsTask()));

        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), taken.Order());
    }

    private async Task<ISequencer> NewSequencerAsync() => Track(await CreateAsync());
}
