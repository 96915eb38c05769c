using Xunit;

namespace Messaging.Conformance;

/// <summary>
/// The laws of <see cref="IMessageIdIndex"/>: a recorded id is found with its conversation and seq, an unknown id is
/// not, and (when shared) every node finds what one recorded. Inherit and supply <see cref="CreateAsync"/>.
/// </summary>
/// <remarks>Capabilities read: <see cref="AdapterCapabilities.SurvivesRestart"/>, <see cref="AdapterCapabilities.MultiNode"/>.</remarks>
public abstract class MessageIdIndexConformanceTests : ConformanceSuite
{
    /// <summary>Creates an index; with <see cref="AdapterCapabilities.MultiNode"/>, instances share their entries.</summary>
    /// <returns>The index under test.</returns>
    protected abstract ValueTask<IMessageIdIndex> CreateAsync();

    /// <summary>A recorded id is found where it was recorded; other ids are unknown.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Recorded_id_is_found_with_its_conversation_and_seq()
    {
        var index = Track(await CreateAsync());
        string id = NewId("msg"), conversation = NewId("conv");

        Assert.Null(await index.FindAsync(id, Token));
        await index.AddAsync(id, new MessageLocation(conversation, 42), Token);

        Assert.Equal(new MessageLocation(conversation, 42), await index.FindAsync(id, Token));
        Assert.Null(await index.FindAsync(NewId("msg"), Token));
    }

    /// <summary>Conversation ids with spaces, braces and other characters round-trip.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Any_conversation_id_round_trips()
    {
        var index = Track(await CreateAsync());
        foreach (var conversation in new[] { "with space " + NewId("c"), "{brace}" + NewId("c"), "ünï " + NewId("c") })
        {
            var id = NewId("msg");
            await index.AddAsync(id, new MessageLocation(conversation, 1), Token);
            Assert.Equal(new MessageLocation(conversation, 1), await index.FindAsync(id, Token));
        }
    }

    /// <summary>An id recorded on one node is found on another.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Two_nodes_share_entries()
    {
        Require(Capabilities.MultiNode, nameof(AdapterCapabilities.MultiNode), "an id recorded on one node is found on another.");
        var (a, b) = (Track(await CreateAsync()), Track(await CreateAsync()));
        string id = NewId("msg"), conversation = NewId("conv");
        await a.AddAsync(id, new MessageLocation(conversation, 3), Token);

        Assert.Equal(new MessageLocation(conversation, 3), await b.FindAsync(id, Token));
    }
}
