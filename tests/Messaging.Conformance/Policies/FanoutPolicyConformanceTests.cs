using FsCheck.Fluent;
using Xunit;

namespace Messaging.Conformance;

/// <summary>
/// The laws of a threshold <see cref="IFanoutPolicy"/>: write path up to and including the threshold, read path above
/// it, and a pure function of the conversation. Inherit and supply <see cref="Create"/>.
/// </summary>
public abstract class FanoutPolicyConformanceTests
{
    private static readonly DateTimeOffset Epoch = new(2024, 1, 15, 10, 30, 0, TimeSpan.Zero);

    /// <summary>Creates the policy with the given write-path threshold.</summary>
    /// <param name="writePathMaxMembers">The largest member count that uses the write path.</param>
    /// <returns>The policy under test.</returns>
    protected abstract IFanoutPolicy Create(int writePathMaxMembers);

    /// <summary>A group with <paramref name="members"/> members.</summary>
    /// <param name="members">The member count.</param>
    /// <returns>The conversation.</returns>
    protected static Conversation GroupOf(int members)
        => new()
        {
            Id = $"group-{members}",
            Kind = ConversationKind.Group,
            Name = "group",
            Members = [.. Enumerable.Range(0, members).Select(i => new ConversationMember($"user{i}", i == 0 ? MemberRole.Admin : MemberRole.Member, Epoch))],
            CreatedAt = Epoch,
        };

    /// <summary>Law: the mode is write path exactly when the member count is at most the threshold.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public Task Write_path_is_chosen_up_to_the_threshold_and_read_path_above()
    {
        var shape = from threshold in Gen.Choose(1, 200)
                    from members in Gen.OneOf(Gen.Choose(1, 400), Gen.Elements(threshold - 1, threshold, threshold + 1).Where(m => m >= 1))
                    select (threshold, members);

        return Laws.CheckAsync(shape, s =>
        {
            var expected = s.members <= s.threshold ? FanoutMode.WritePath : FanoutMode.ReadPath;
            Assert.Equal(expected, Create(s.threshold).Choose(GroupOf(s.members)));
            return Task.CompletedTask;
        }, maxTest: 100);
    }

    /// <summary>The boundaries: threshold members is write path, one more is read path.</summary>
    [Fact]
    public void Threshold_boundary_members_use_the_write_path_and_one_more_the_read_path()
    {
        var policy = Create(4);

        Assert.Equal(FanoutMode.WritePath, policy.Choose(GroupOf(1)));
        Assert.Equal(FanoutMode.WritePath, policy.Choose(GroupOf(4)));
        Assert.Equal(FanoutMode.ReadPath, policy.Choose(GroupOf(5)));
    }

    /// <summary>A direct conversation uses the write path whenever the threshold admits two members.</summary>
    [Fact]
    public void Direct_conversation_uses_the_write_path()
    {
        var direct = GroupOf(2) with { Id = ConversationIds.Direct("user0", "user1"), Kind = ConversationKind.Direct, Name = null };

        Assert.Equal(FanoutMode.WritePath, Create(2).Choose(direct));
        Assert.Equal(FanoutMode.WritePath, Create(100).Choose(direct));
    }

    /// <summary>The same conversation always gets the same mode, from any instance.</summary>
    [Fact]
    public void Choice_is_a_pure_function_of_the_conversation()
    {
        var (first, second) = (Create(10), Create(10));
        foreach (var members in new[] { 1, 9, 10, 11, 50 })
        {
            var group = GroupOf(members);
            Assert.Equal(first.Choose(group), first.Choose(group));
            Assert.Equal(first.Choose(group), second.Choose(group));
        }
    }
}
