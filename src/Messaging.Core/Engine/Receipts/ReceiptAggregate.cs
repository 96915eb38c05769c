namespace Messaging;

/// <summary>
/// A sender's aggregate marks: the minimum over every current member but the sender. Computed from marks read after
/// the acker's own write, so of two concurrent acks of different members the later reader sees both.
/// </summary>
internal static class ReceiptAggregate
{
    /// <summary>
    /// The sender's aggregate before and after one member's (the acker's) marks moved from <paramref name="before"/> to
    /// <paramref name="after"/>; every other member's marks come from <paramref name="marks"/>.
    /// </summary>
    /// <param name="conversation">The conversation.</param>
    /// <param name="senderId">The sender whose aggregate is wanted.</param>
    /// <param name="ackerId">The member whose marks moved (the sender itself for a plain reading).</param>
    /// <param name="before">The acker's marks before.</param>
    /// <param name="after">The acker's marks after.</param>
    /// <param name="marks">The other members' aggregate marks (members without marks are absent).</param>
    /// <returns>The aggregate's range, or <see langword="null"/> when the sender is the only member.</returns>
    public static (long DeliveredBefore, long DeliveredAfter, long ReadBefore, long ReadAfter)? For(
        Conversation conversation, string senderId, string ackerId, Watermark before, Watermark after, Dictionary<string, Watermark> marks)
    {
        long deliveredBefore = long.MaxValue, deliveredAfter = long.MaxValue, readBefore = long.MaxValue, readAfter = long.MaxValue;
        var any = false;
        var members = conversation.Members;
        for (var i = 0; i < members.Count; i++)
        {
            var member = members[i];
            if (string.Equals(member.UserId, senderId, StringComparison.Ordinal))
            {
                continue;
            }

            any = true;
            var isAcker = string.Equals(member.UserId, ackerId, StringComparison.Ordinal);
            var old = isAcker ? before : marks.GetValueOrDefault(member.UserId);
            var now = isAcker ? after : old;
            deliveredBefore = Math.Min(deliveredBefore, old.DeliveredUpTo);
            readBefore = Math.Min(readBefore, old.ReadUpTo);
            deliveredAfter = Math.Min(deliveredAfter, now.DeliveredUpTo);
            readAfter = Math.Min(readAfter, now.ReadUpTo);
        }

        return any ? (deliveredBefore, deliveredAfter, readBefore, readAfter) : null;
    }

    /// <summary>
    /// The lowest marks of the current members other than the acker, in one pass over the listed marks, so the
    /// aggregate of every sender follows without a map of the members' marks (<see cref="LowestMarks.For"/>): a
    /// sender's aggregate leaves out only the sender, so the lowest and second-lowest mark of the others decide it.
    /// </summary>
    /// <param name="conversation">The conversation.</param>
    /// <param name="ackerId">The member whose marks moved.</param>
    /// <param name="marks">The marks a store listed (read after the acker's write).</param>
    /// <returns>
    /// The lowest marks, or <see langword="null"/> when they cannot decide alone: the acker is not a member, or not
    /// every other member has a listed mark (then the aggregate is computed member by member, <see cref="For"/>).
    /// </returns>
    public static LowestMarks? Lowest(Conversation conversation, string ackerId, IReadOnlyList<MemberWatermark> marks)
    {
        if (!conversation.IsMember(ackerId))
        {
            return null;
        }

        var delivered = new Lowest();
        var read = new Lowest();
        var listed = 0;
        for (var i = 0; i < marks.Count; i++)
        {
            var (userId, mark) = (marks[i].UserId, marks[i].Mark);
            if (string.Equals(userId, ackerId, StringComparison.Ordinal) || !conversation.IsMember(userId))
            {
                continue;
            }

            listed++;
            delivered.Add(userId, mark.DeliveredUpTo);
            read.Add(userId, mark.ReadUpTo);
        }

        // Every other member listed once (a member without marks is at 0, which only a walk of the members finds).
        return listed == conversation.Members.Count - 1 ? new LowestMarks(delivered, read) : null;
    }

    /// <summary>The marks per user, for <see cref="For"/>.</summary>
    /// <param name="marks">The marks a store listed.</param>
    /// <returns>The marks by user id.</returns>
    public static Dictionary<string, Watermark> ByUser(IReadOnlyList<MemberWatermark> marks)
    {
        var result = new Dictionary<string, Watermark>(marks.Count, StringComparer.Ordinal);
        foreach (var mark in marks)
        {
            result[mark.UserId] = mark.Mark;
        }

        return result;
    }
}

/// <summary>The lowest delivered and read marks of the members other than an acker (<see cref="ReceiptAggregate.Lowest"/>).</summary>
/// <param name="Delivered">The lowest delivered marks.</param>
/// <param name="Read">The lowest read marks.</param>
internal readonly record struct LowestMarks(Lowest Delivered, Lowest Read)
{
    /// <summary>
    /// The sender's aggregate before and after the acker's marks moved, as <see cref="ReceiptAggregate.For"/> computes
    /// it; the sender must not be the acker (nobody gets statuses for their own acks).
    /// </summary>
    /// <param name="senderId">The sender.</param>
    /// <param name="before">The acker's marks before.</param>
    /// <param name="after">The acker's marks after.</param>
    /// <returns>The aggregate's range.</returns>
    public (long DeliveredBefore, long DeliveredAfter, long ReadBefore, long ReadAfter) For(string senderId, Watermark before, Watermark after)
    {
        var delivered = Delivered.Without(senderId);
        var read = Read.Without(senderId);
        return (Math.Min(delivered, before.DeliveredUpTo), Math.Min(delivered, after.DeliveredUpTo), Math.Min(read, before.ReadUpTo), Math.Min(read, after.ReadUpTo));
    }
}

/// <summary>The lowest of a set of users' marks (who holds it) and the second lowest, so any one user can be left out.</summary>
internal struct Lowest()
{
    private long _lowest = long.MaxValue;
    private long _second = long.MaxValue;
    private string? _holder;

    /// <summary>Adds one user's mark.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="mark">The mark.</param>
    public void Add(string userId, long mark)
    {
        if (mark < _lowest)
        {
            (_second, _lowest, _holder) = (_lowest, mark, userId);
        }
        else if (mark < _second)
        {
            _second = mark;
        }
    }

    /// <summary>The lowest mark of everyone added but <paramref name="userId"/> (<see cref="long.MaxValue"/> when nobody else).</summary>
    /// <param name="userId">The user left out.</param>
    /// <returns>The mark.</returns>
    public readonly long Without(string userId) => string.Equals(userId, _holder, StringComparison.Ordinal) ? _second : _lowest;
}
