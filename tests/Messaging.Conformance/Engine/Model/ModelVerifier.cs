using Xunit;

namespace Messaging.Conformance;

/// <summary>
/// Compares the end state of a <see cref="ModelRun"/> with its reference model: stored sequences, per-device delivery,
/// privacy after removal, typing, unread counts and conversation lists.
/// </summary>
internal sealed class ModelVerifier(ModelRun run, IReadOnlyList<MessagingEngine> nodes, MessagingBackplane backplane, CancellationToken cancellationToken)
{
    public async Task VerifyAsync()
    {
        var stored = new Dictionary<string, Message>(StringComparer.Ordinal);
        for (var c = 0; c < ModelCommand.Conversations; c++)
        {
            foreach (var message in await VerifyStoreAsync(c))
            {
                stored.Add(message.MessageId, message);
            }
        }

        foreach (var device in run.Devices)
        {
            VerifyDelivery(device, stored);
            VerifyTyping(device);
            VerifyStatusesAreEarned(device, stored);
        }

        VerifyDirectStatusesArrived();

        VerifyGaps();
        await VerifyViewsAsync();
    }

    // Seqs are exactly 1..n, every send is stored as returned, and nothing else but system messages exists (typing
    // and duplicates are never stored).
    private async Task<IReadOnlyList<Message>> VerifyStoreAsync(int c)
    {
        var conversationId = run.ConversationIds[c];
        var messages = await backplane.Messages.ReadAfterAsync(conversationId, 0, 100_000, cancellationToken);
        Assert.Equal(Enumerable.Range(1, (int)run.LastSeq[c]).Select(i => (long)i), messages.Select(m => m.Seq));
        var sends = run.Sends.Where(s => s.Conversation == c).Select(s => s.Message).ToList();
        Assert.Equal(sends, messages.Where(m => m.Kind != MessageKind.System));
        return messages;
    }

    private void VerifyDelivery(ModelDevice device, Dictionary<string, Message> stored)
    {
        var received = device.Log.OfType<MessageEvent>().Select(e => e.Message).ToList();
        foreach (var message in received)
        {
            Assert.True(stored.TryGetValue(message.MessageId, out var original) && original == message, $"{device} received a message that differs from the stored one: {message}");
            Assert.True(message.Kind != MessageKind.Tombstone, $"{device} received a tombstone: {message}");
            Assert.True(run.Periods.ContainsKey((Array.IndexOf(run.ConversationIds, message.ConversationId), device.User)), $"{device} received a message of a conversation it never belonged to: {message}");
        }

        for (var c = 0; c < ModelCommand.Conversations; c++)
        {
            var conversationId = run.ConversationIds[c];
            // A device's own sends arrived with their sent status; catch-up may repeat them later (its delivered mark
            // only moves by acks), which clients drop by message id, so they do not count as arrivals.
            var firstArrivals = received.Where(m => m.ConversationId == conversationId && !SentBy(device, m)).DistinctBy(m => m.MessageId).Select(m => m.Seq).ToList();
            Assert.True(firstArrivals.SequenceEqual(firstArrivals.Order()), $"{device} received c{c} out of seq order (first arrivals: {string.Join(",", firstArrivals)})");

            var receivedIds = received.Select(m => m.MessageId).ToHashSet(StringComparer.Ordinal);
            var missing = stored.Values
                .Where(m => m.ConversationId == conversationId && WasMemberAt(c, device.User, m.Seq) && !SentBy(device, m))
                .Where(m => !receivedIds.Contains(m.MessageId))
                .Select(m => m.Seq)
                .ToList();
            Assert.True(missing.Count == 0, $"{device} never received c{c} seqs {string.Join(",", missing)} although it was a member and synced at the end; its c{c} events: {Describe(device, conversationId)}");
        }
    }

    // Safety: a delivered (read) status for a message reaches its sender only when every other member who has belonged
    // to the conversation since that message was sent has the model's delivered (read) mark at or past it.
    private void VerifyStatusesAreEarned(ModelDevice device, Dictionary<string, Message> stored)
    {
        foreach (var status in device.Log.OfType<StatusEvent>().Where(s => s.Status is ReceiptStatus.Delivered or ReceiptStatus.Read))
        {
            Assert.True(stored.TryGetValue(status.MessageId, out var message) && message.SenderId == device.UserId && message.Seq == status.Seq, $"{device} got a {status.Status} status for a message it did not send: {status}");
            var c = Array.IndexOf(run.ConversationIds, message.ConversationId);
            var marks = status.Status == ReceiptStatus.Read ? run.ReadUpTo : run.DeliveredUpTo;
            foreach (var other in MembersSince(c, message.Seq).Where(u => u != device.User))
            {
                var mark = marks.GetValueOrDefault((c, other));
                Assert.True(mark >= message.Seq, $"{device} got {status.Status} for c{c} seq {message.Seq}, but the model's {status.Status} mark of u{other} is {mark}");
            }
        }
    }

    // Liveness, in the direct conversation (its membership never changes): once the model's mark of the other user
    // passed a user's newest own message, every device of that user has been told (live, or by catch-up at the end).
    private void VerifyDirectStatusesArrived()
    {
        for (var user = 0; user < 2; user++)
        {
            var other = 1 - user;
            if (run.Sends.Where(s => s.Conversation == 0 && s.User == user).Select(s => s.Message).LastOrDefault() is not { } newest)
            {
                continue;
            }

            foreach (var (status, marks) in new[] { (ReceiptStatus.Delivered, run.DeliveredUpTo), (ReceiptStatus.Read, run.ReadUpTo) })
            {
                if (marks.GetValueOrDefault((0, other)) < newest.Seq)
                {
                    continue;
                }

                for (var d = 0; d < ModelCommand.Devices; d++)
                {
                    var device = run.Device(user, d);
                    Assert.True(
                        device.Log.OfType<StatusEvent>().Any(e => e.MessageId == newest.MessageId && (e.Status == status || e.Status == ReceiptStatus.Read)),
                        $"{device} was never told its newest message in c0 (seq {newest.Seq}) was {status}, although u{other}'s model mark passed it; its c0 events: {Describe(device, newest.ConversationId)}");
                }
            }
        }
    }

    // The users who are members now and have been since at or before seq.
    private IEnumerable<int> MembersSince(int c, long seq)
        => run.Members[c].Where(u => run.Periods.TryGetValue((c, u), out var periods) && periods.Count > 0 && periods[^1].To is null && periods[^1].From <= seq);

    private void VerifyTyping(ModelDevice device)
    {
        foreach (var typing in device.Log.OfType<TypingEvent>())
        {
            Assert.True(typing.UserId != device.UserId, $"{device} received its own user's typing indicator");
            Assert.Contains(typing.ConversationId, run.ConversationIds);
        }
    }

    // While a user is not a member, none of its devices receives a message sent after the removal.
    private void VerifyGaps()
    {
        foreach (var gap in run.Gaps)
        {
            var conversationId = run.ConversationIds[gap.Conversation];
            for (var d = 0; d < ModelCommand.Devices; d++)
            {
                var device = run.Device(gap.User, d);
                var leaked = device.EventsBetween(gap.Start[d], gap.End?[d])
                    .OfType<MessageEvent>()
                    .Where(e => e.Message.ConversationId == conversationId && e.Message.Seq > gap.AfterSeq)
                    .Select(e => e.Message.Seq)
                    .ToList();
                Assert.True(leaked.Count == 0, $"{device} received c{gap.Conversation} seqs {string.Join(",", leaked)} sent after its user was removed (at seq {gap.AfterSeq})");
            }
        }
    }

    // Each user lists exactly its conversations; unread = last seq - the read mark the model expects.
    private async Task VerifyViewsAsync()
    {
        for (var user = 0; user < ModelCommand.Users; user++)
        {
            var userId = run.UserIds[user];
            var listed = (await nodes[user % nodes.Count].ListConversationsAsync(userId, 100, cancellationToken)).Select(v => v.Conversation.Id).Order(StringComparer.Ordinal);
            var expected = Enumerable.Range(0, ModelCommand.Conversations).Where(c => run.Members[c].Contains(user)).Select(c => run.ConversationIds[c]).Order(StringComparer.Ordinal);
            Assert.Equal(expected, listed);

            for (var c = 0; c < ModelCommand.Conversations; c++)
            {
                if (!run.Members[c].Contains(user))
                {
                    var exception = await Assert.ThrowsAnyAsync<MessagingException>(() => nodes[0].GetConversationAsync(userId, run.ConversationIds[c], cancellationToken).AsTask());
                    Assert.Equal(MessagingErrorKind.NotFound, exception.Kind);
                    continue;
                }

                var view = await nodes[user % nodes.Count].GetConversationAsync(userId, run.ConversationIds[c], cancellationToken);
                var read = run.ReadUpTo.GetValueOrDefault((c, user));
                Assert.True(
                    (view.LastSeq, view.UnreadCount) == (run.LastSeq[c], run.LastSeq[c] - read),
                    $"u{user} in c{c}: view (last seq {view.LastSeq}, unread {view.UnreadCount}), model (last seq {run.LastSeq[c]}, read up to {read})");
            }
        }
    }

    // A compact log of one conversation's events at a device: m3 = message seq 3, s3 = sent status of seq 3,
    // sync:3 = a sync completion with cursor 3, | = a new connection.
    private static string Describe(ModelDevice device, string conversationId)
        => string.Join(" ", device.LogByConnection().SelectMany((events, i) => events.Select(e => e switch
        {
            MessageEvent m when m.Message.ConversationId == conversationId => $"m{m.Message.Seq}",
            StatusEvent s when s.ConversationId == conversationId => $"{s.Status.ToString()[0]}{s.Seq}".ToLowerInvariant(),
            SyncCompleteEvent sync => $"sync:{sync.Cursors.GetValueOrDefault(conversationId)}",
            _ => null,
        }).Where(text => text is not null).Prepend(i == 0 ? null : "|").Where(text => text is not null)));

    private bool WasMemberAt(int c, int user, long seq)
        => run.Periods.TryGetValue((c, user), out var periods) && periods.Any(p => seq >= p.From && (p.To is not { } to || seq <= to));

    private bool SentBy(ModelDevice device, Message message)
        => run.Sends.Any(s => s.User == device.User && s.Device == device.Device && s.Message.MessageId == message.MessageId);
}
