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
