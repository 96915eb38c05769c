using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace Messaging.Tests.Engine;

public sealed class ReceiptAggregateTests
{
    [Fact]
    public void The_lowest_marks_of_the_others_give_every_sender_the_aggregate_a_walk_of_the_members_gives()
        => Prop.ForAll(
                Gen.Choose(1, 12).SelectMany(members => Gen.ArrayOf(Gen.Choose(-1, 6), members + 3).Select(marks => (members, marks))).ToArbitrary(),
                Gen.Choose(0, 6).Two().ToArbitrary(),
                (scenario, move) =>
                {
                    // Users 0..members-1 are members, the rest former members; a mark of -1 is a user without marks.
                    var (count, values) = scenario;
                    var conversation = new Conversation
                    {
                        Id = "g",
                        Kind = ConversationKind.Group,
                        Members = [.. Enumerable.Range(0, count).Select(i => new ConversationMember($"u{i}", MemberRole.Member, DateTimeOffset.UnixEpoch))],
                        CreatedAt = DateTimeOffset.UnixEpoch,
                    };
                    var listed = values.Select((value, i) => (value, i)).Where(v => v.value >= 0)
                        .Select(v => new MemberWatermark($"u{v.i}", new Watermark(v.value, v.value / 2))).ToList();
                    var before = new Watermark(move.Item1, move.Item1 / 2);
                    var after = new Watermark(move.Item1 + move.Item2, (move.Item1 + move.Item2) / 2);
                    var byUser = ReceiptAggregate.ByUser(listed);
                    var agree = true;
                    foreach (var acker in Enumerable.Range(0, count + 3).Select(i => $"u{i}"))
                    {
                        if (ReceiptAggregate.Lowest(conversation, acker, listed) is not { } lowest)
                        {
                            // Only when some other member has no marks, or the acker is not a member.
                            agree &= !conversation.IsMember(acker) || conversation.Members.Any(m => m.UserId != acker && !byUser.ContainsKey(m.UserId));
                            continue;
                        }

                        foreach (var sender in Enumerable.Range(0, count + 3).Select(i => $"u{i}").Where(s => s != acker))
                        {
                            agree &= ReceiptAggregate.For(conversation, sender, acker, before, after, byUser) == lowest.For(sender, before, after);
                        }
                    }

                    return agree;
                })
            .QuickCheckThrowOnFailure();
}
