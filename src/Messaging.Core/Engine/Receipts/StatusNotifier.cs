namespace Messaging;

/// <summary>
/// Turns watermark moves into <c>delivered</c> / <c>read</c> statuses for senders. A message is delivered (read) for its
/// sender when every other current member's mark passed it: in a direct conversation that is the other member's
/// mark, in a group the minimum over all members but the sender, computed per sender.
/// </summary>
/// <remarks>
/// <para>
/// Statuses are watermarks: for each sender only the newest of their messages that the aggregate crossed gets a
/// status, and a status for seq N implies the same status for all of that sender's earlier messages in the
/// conversation. System messages and tombstones get none. A repeated or out-of-order status is harmless to clients.
/// </para>
/// <para>
/// Computed incrementally, with no atomic read-modify-write of the store: the acker's own marks before the move are
/// what <see cref="IReceiptStore.AdvanceAsync"/> read before writing, and the other members' marks are read after
/// the write. Sequential acks therefore give each crossed message exactly one status; of concurrent acks of
/// different members the later reader always sees both marks, so a status is never lost, and when both readers see
/// both marks the sender may get the same status twice.
/// </para>
/// </remarks>
internal sealed partial class StatusNotifier(EngineContext context, IMessageStore messages, RecentMessages recent, IReceiptStore receipts, NodePublisher publisher)
{
    // Groups larger than this check a few members' marks before loading all of them.
    private const int ProbeAboveMembers = 16;

    // How many members (spread over the member list from the acker's position) that check reads at least.
    private const int MinProbes = 8;

    // The first batch read back from a mark in a conversation of two: the newest message of the other member is
    // nearly always among the last few.
    private const int ScanFirstBatch = 8;

    // Members remembered per conversation as found behind by the last sampled check.
    private const int MaxLaggards = 8;

    private readonly Laggards _laggards = new();

    /// <summary>Publishes the statuses caused by one user's aggregate marks moving from <paramref name="before"/> to <paramref name="after"/>.</summary>
    /// <param name="conversation">The conversation.</param>
    /// <param name="ackerId">The user whose marks moved.</param>
    /// <param name="before">The user's aggregate marks before.</param>
    /// <param name="after">The user's aggregate marks after.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <param name="newest">
    /// The message the move was for (the newest one an ack named, or the message just sent), when the caller has it:
    /// if it sits at the new delivered mark it spares reading it back from the store.
    /// </param>
    /// <returns>
    /// A task that completes when the statuses were published (failures are logged), or at once when the move is
    /// held to be published with the next ones (<see cref="MessagingOptions.ReceiptStatusInterval"/>).
    /// </returns>
    public ValueTask PublishCrossedAsync(Conversation conversation, string ackerId, Watermark before, Watermark after, CancellationToken cancellationToken, Message? newest = null)
    {
        if (after.DeliveredUpTo <= before.DeliveredUpTo && after.ReadUpTo <= before.ReadUpTo)
        {
            return ValueTask.CompletedTask;
        }

        return TryHold(conversation, ackerId, before, after, newest)
            ? ValueTask.CompletedTask
            : PublishNowAsync(conversation, ackerId, before, after, newest, cancellationToken);
    }

    private async ValueTask PublishNowAsync(Conversation conversation, string ackerId, Watermark before, Watermark after, Message? newest, CancellationToken cancellationToken)
    {
        var readMoved = after.ReadUpTo > before.ReadUpTo;
        var atMark = newest is not null && newest.Seq == after.DeliveredUpTo ? newest : null;
        if (conversation.Members.Count == 2 && OtherMember(conversation, ackerId) is { } other)
        {
            await PublishToOtherMemberAsync(conversation.Id, other, before, after, atMark, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Only the ranges that moved can cross a message: (before, after] of delivered, and of read when it moved (read
        // never passes delivered). The acker's own message at the mark is nobody else's to get a status for.
        var from = readMoved ? Math.Min(before.ReadUpTo, before.DeliveredUpTo) : before.DeliveredUpTo;
        var to = atMark is not null && string.Equals(atMark.SenderId, ackerId, StringComparison.Ordinal) ? atMark.Seq - 1 : after.DeliveredUpTo;
        if (to <= from)
        {
            return;
        }

        // The check on a few members' marks comes before reading the messages: in a large group most acks are not the
        // slowest member's and stop there, so the moved range's messages are read (and decoded) only for the acks
        // that can move an aggregate, not for every ack of every member.
        if (await CannotMoveAnyAggregateAsync(conversation, ackerId, before, after, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var bySender = await ReadCrossedAsync(conversation.Id, ackerId, from, to, cancellationToken).ConfigureAwait(false);
        if (bySender.Count == 0)
        {
            return;
        }

        // Other members' marks matter only when somebody besides the acker and the sender is a member.
        // Read after the acker's write: of two concurrent acks of different members, the later reader sees both marks.
        // The lowest two marks of the others decide every sender's aggregate, in one pass over the list; only when
        // they cannot (a member without marks) is a map of the marks built and the members walked per sender.
        var listed = conversation.Members.Count > 2 ? await receipts.GetAllAsync(conversation.Id, cancellationToken).ConfigureAwait(false) : [];
        RememberLaggards(conversation, ackerId, before, after, listed);
        var lowest = ReceiptAggregate.Lowest(conversation, ackerId, listed);
        var marks = lowest is null ? ReceiptAggregate.ByUser(listed) : null;
        foreach (var (senderId, messages) in bySender)
        {
            var aggregate = lowest is { } others ? others.For(senderId, before, after) : ReceiptAggregate.For(conversation, senderId, ackerId, before, after, marks!);
            if (aggregate is not { } range)
            {
                continue;
            }

            await PublishNewestAsync(senderId, messages, range.DeliveredBefore, range.DeliveredAfter, ReceiptStatus.Delivered).ConfigureAwait(false);
            await PublishNewestAsync(senderId, messages, range.ReadBefore, range.ReadAfter, ReceiptStatus.Read).ConfigureAwait(false);
        }
    }

    // The messages of other senders with seq in (from, to], ascending, grouped by sender.
    private async ValueTask<Dictionary<string, List<Message>>> ReadCrossedAsync(string conversationId, string ackerId, long from, long to, CancellationToken cancellationToken)
    {
        var bySender = new Dictionary<string, List<Message>>(StringComparer.Ordinal);
        var position = from;
        var batchSize = context.Options.CatchUpBatchSize;
        while (position < to)
        {
            var want = (int)Math.Min(batchSize, to - position);
            var batch = await messages.ReadAfterAsync(conversationId, position, want, cancellationToken).ConfigureAwait(false);
            foreach (var message in batch)
            {
                if (message.Seq > to)
                {
                    return bySender;
                }

                position = message.Seq;
                if (message.Kind is MessageKind.Text or MessageKind.Media && !string.Equals(message.SenderId, ackerId, StringComparison.Ordinal))
                {
                    if (!bySender.TryGetValue(message.SenderId, out var list))
                    {
                        bySender.Add(message.SenderId, list = []);
                    }

                    list.Add(message);
                }
            }

            if (batch.Count < want)
            {
                break;
            }
        }

        return bySender;
    }

    // In a conversation of two the other member's aggregate is the acker's own mark, so for each mark that moved the
    // other member's newest text or media message in the moved range is the one status they get (messages there of
    // former members get none: their aggregate includes the other member's mark, which did not move). That is the
    // message the ack named when it sits at the new mark; otherwise it is found reading back from the mark, newest
    // first, in small batches that stop at the first such message.
    private async ValueTask PublishToOtherMemberAsync(string conversationId, string other, Watermark before, Watermark after, Message? atMark, CancellationToken cancellationToken)
    {
        bool needDelivered = after.DeliveredUpTo > before.DeliveredUpTo, needRead = after.ReadUpTo > before.ReadUpTo;
        Message? delivered = null, read = null;
        var position = after.DeliveredUpTo + 1;
        if (atMark is not null)
        {
            Consider(atMark);
            position = atMark.Seq;
        }

        var low = Math.Min(before.DeliveredUpTo, before.ReadUpTo);
        var want = ScanFirstBatch;
        while ((needDelivered || needRead) && position - 1 > low)
        {
            // What this node remembers right below the position first (the sender's newest message is usually there,
            // even while an older seq is still in flight); the store only below that run.
            var limit = (int)Math.Min(want, position - 1 - low);
            var remembered = recent.ReadRememberedBefore(conversationId, position, limit);
            var batch = remembered.Count > 0 ? remembered : await messages.ReadBeforeAsync(conversationId, position, limit, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < batch.Count && (needDelivered || needRead); i++)
            {
                Consider(batch[i]);
                position = Math.Min(position, batch[i].Seq);
            }

            if (remembered.Count > 0)
            {
                continue;
            }

            if (batch.Count < limit)
            {
                break;
            }

            want = Math.Max(want, context.Options.CatchUpBatchSize);
        }

        if (delivered is not null)
        {
            await PublishAsync(other, delivered, ReceiptStatus.Delivered).ConfigureAwait(false);
        }

        if (read is not null)
        {
            await PublishAsync(other, read, ReceiptStatus.Read).ConfigureAwait(false);
        }

        void Consider(Message message)
        {
            needDelivered &= message.Seq > before.DeliveredUpTo;
            needRead &= message.Seq > before.ReadUpTo;
            if (message.Kind is not (MessageKind.Text or MessageKind.Media) || !string.Equals(message.SenderId, other, StringComparison.Ordinal))
            {
                return;
            }

            if (needDelivered && message.Seq <= after.DeliveredUpTo)
            {
                delivered = message;
                needDelivered = false;
            }

            if (needRead && message.Seq <= after.ReadUpTo)
            {
                read = message;
                needRead = false;
            }
        }
    }

    // The member of a conversation of two who is not the acker, or null when the acker is not a member.
    private static string? OtherMember(Conversation conversation, string ackerId)
    {
        var members = conversation.Members;
        var first = members[0].UserId;
        var second = members[1].UserId;
        return string.Equals(first, ackerId, StringComparison.Ordinal) ? second
            : string.Equals(second, ackerId, StringComparison.Ordinal) ? first
            : null;
    }

    // A sender's aggregate is min(acker's mark, the minimum over the members other than the sender and the acker), so
    // the acker's move changes it only while the acker was below every one of those members. Two distinct members
    // (other than the acker) at or below the acker's old mark leave at least one such member for every sender, so
    // no sender's aggregate can move. In a large group this is checked on a few members before loading every member's
    // marks: most acks are not the group's slowest and stop here. Marks only rise, and the member who holds the
    // aggregate back sees the acker's new mark when its own ack moves it, so nothing is lost. Which members are read
    // only decides how soon the check succeeds, never its answer.
    private async ValueTask<bool> CannotMoveAnyAggregateAsync(Conversation conversation, string ackerId, Watermark before, Watermark after, CancellationToken cancellationToken)
    {
        var members = conversation.Members;
        if (members.Count <= ProbeAboveMembers)
        {
            return false;
        }

        // First the members the last check of this conversation found behind: in a group acking in step they stay
        // behind until their own ack, so most acks read a few marks instead of a spread sample. A remembered member
        // who left is no longer one of the members a sender's aggregate is taken over: then the sample decides. The
        // acker among them never counts: its mark that moved is above its old one. When they do not decide, they are
        // read again with the sample, and those still behind are remembered with what the sample finds.
        var hinted = _laggards.Get(conversation.Id) is { } remembered && AllMembers(conversation, remembered) ? remembered : null;
        if (hinted is not null && await HeldBackAsync(conversation.Id, hinted, before, after, behind: null, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        // Deterministic for a given order of acks (a replayed run reads the same members): evenly spaced, starting
        // after the acker's own position, distinct (the stride is at least 2 above ProbeAboveMembers), read in one
        // batch. With k probes about 2/(k+1) of the acks of a group acking in step still find fewer than two members
        // behind and read all N members' marks, so k = sqrt(2N) (at least MinProbes) keeps k + 2N/(k+1) marks read
        // per ack near its least: 44 probes in a group of 1,000, where 8 left over a fifth of the acks reading every
        // member.
        var start = IndexOf(members, ackerId) + 1;
        var probes = Math.Max(MinProbes, (int)Math.Sqrt(2.0 * members.Count));
        var stride = Math.Max(1, members.Count / probes);
        var probed = new List<string>(probes + (hinted?.Length ?? 0));
        probed.AddRange(hinted ?? []);
        for (var probe = 0; probe < probes; probe++)
        {
            var member = members[(start + (probe * stride)) % members.Count].UserId;
            if (!string.Equals(member, ackerId, StringComparison.Ordinal) && (hinted is null || Array.IndexOf(hinted, member) < 0))
            {
                probed.Add(member);
            }
        }

        var behind = new List<string>(MaxLaggards);
        var held = await HeldBackAsync(conversation.Id, probed, before, after, behind, cancellationToken).ConfigureAwait(false);
        _laggards.Set(conversation.Id, behind.Count == 0 ? null : [.. behind]);
        return held;
    }

    // Whether two of the given members (distinct) hold every sender's aggregate back for each mark that moved; adds
    // the members found behind to the list, when given (up to MaxLaggards).
    private async ValueTask<bool> HeldBackAsync(string conversationId, IReadOnlyList<string> members, Watermark before, Watermark after, List<string>? behind, CancellationToken cancellationToken)
    {
        var marks = await receipts.GetMembersAsync(conversationId, members, cancellationToken).ConfigureAwait(false);
        int deliveredHeld = 0, readHeld = 0;
        for (var i = 0; i < marks.Count; i++)
        {
            var heldDelivered = marks[i].DeliveredUpTo <= before.DeliveredUpTo;
            var heldRead = marks[i].ReadUpTo <= before.ReadUpTo;
            deliveredHeld += heldDelivered ? 1 : 0;
            readHeld += heldRead ? 1 : 0;
            if (Behind(marks[i], before, after) && behind is { Count: < MaxLaggards })
            {
                behind.Add(members[i]);
            }
        }

        return (after.DeliveredUpTo <= before.DeliveredUpTo || deliveredHeld >= 2) && (after.ReadUpTo <= before.ReadUpTo || readHeld >= 2);
    }

    // After every member's marks were read: the members behind the acker's old marks, for the next ack's check.
    private void RememberLaggards(Conversation conversation, string ackerId, Watermark before, Watermark after, IReadOnlyList<MemberWatermark> listed)
    {
        if (conversation.Members.Count <= ProbeAboveMembers)
        {
            return;
        }

        List<string>? behind = null;
        for (var i = 0; i < listed.Count && (behind is null || behind.Count < MaxLaggards); i++)
        {
            var (userId, mark) = (listed[i].UserId, listed[i].Mark);
            if (Behind(mark, before, after) && !string.Equals(userId, ackerId, StringComparison.Ordinal) && conversation.IsMember(userId))
            {
                (behind ??= []).Add(userId);
            }
        }

        _laggards.Set(conversation.Id, behind is null ? null : [.. behind]);
    }

    // Whether a member's marks hold back a mark of the acker that moved (from before to after).
    private static bool Behind(Watermark mark, Watermark before, Watermark after)
        => (after.DeliveredUpTo > before.DeliveredUpTo && mark.DeliveredUpTo <= before.DeliveredUpTo)
            || (after.ReadUpTo > before.ReadUpTo && mark.ReadUpTo <= before.ReadUpTo);

    private static bool AllMembers(Conversation conversation, string[] userIds)
    {
        foreach (var userId in userIds)
        {
            if (!conversation.IsMember(userId))
            {
                return false;
            }
        }

        return true;
    }

    private static int IndexOf(IReadOnlyList<ConversationMember> members, string userId)
    {
        for (var i = 0; i < members.Count; i++)
        {
            if (string.Equals(members[i].UserId, userId, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return 0;
    }

    private async ValueTask PublishNewestAsync(string senderId, List<Message> messages, long from, long to, ReceiptStatus status)
    {
        if (to <= from)
        {
            return;
        }

        for (var i = messages.Count - 1; i >= 0; i--)
        {
            var message = messages[i];
            if (message.Seq <= from)
            {
                return;
            }

            if (message.Seq > to)
            {
                continue;
            }

            await PublishAsync(senderId, message, status).ConfigureAwait(false);
            return;
        }
    }

    private async ValueTask PublishAsync(string senderId, Message message, ReceiptStatus status)
    {
        var envelope = new StatusEnvelope(message.ConversationId, message.MessageId, message.Seq, status, message.ClientMsgId, context.Now);
        try
        {
            await publisher.PublishAsync(Audience.Of([senderId]), envelope, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            context.Logger.StatusPublishFailed(message.ConversationId, message.Seq, exception);
        }
    }
}
