namespace Messaging;

/// <summary>
/// Reads the current <c>delivered</c> / <c>read</c> statuses of a sender's messages from the members' marks, for a
/// client catching up after missing the live ones. Reads only: it publishes nothing and calls no other part.
/// </summary>
/// <param name="messages">The message store (the sender's newest message under an aggregate).</param>
/// <param name="receipts">The receipt store (the members' marks).</param>
/// <param name="batchSize">How many messages one read-back asks for.</param>
/// <param name="time">The clock of the statuses' times.</param>
internal sealed class StatusReader(IMessageStore messages, IReceiptStore receipts, int batchSize, TimeProvider time)
{
    /// <summary>
    /// One status for the sender's newest message each aggregate passed, looking back from <paramref name="lastSent"/>
    /// (the sender's newest own message, from the read mark sending keeps on <see cref="ReservedDeviceIds.Sender"/>).
    /// </summary>
    /// <param name="conversation">The conversation (the sender is a member).</param>
    /// <param name="senderId">The sender.</param>
    /// <param name="lastSent">The seq of the sender's newest message; nothing newer can get a status.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>Zero to two statuses, delivered before read.</returns>
    public async ValueTask<IReadOnlyList<StatusEvent>> CurrentAsync(Conversation conversation, string senderId, long lastSent, CancellationToken cancellationToken)
    {
        if (lastSent <= 0)
        {
            return [];
        }

        var marks = ReceiptAggregate.ByUser(await receipts.GetAllAsync(conversation.Id, cancellationToken).ConfigureAwait(false));
        if (ReceiptAggregate.For(conversation, senderId, senderId, default, default, marks) is not { } range || range.DeliveredAfter <= 0)
        {
            return [];
        }

        var statuses = new List<StatusEvent>(2);
        var delivered = await NewestOwnAsync(conversation.Id, senderId, Math.Min(range.DeliveredAfter, lastSent), cancellationToken).ConfigureAwait(false);
        if (delivered is not null)
        {
            statuses.Add(Status(delivered, ReceiptStatus.Delivered));
            var read = range.ReadAfter >= delivered.Seq ? delivered : await NewestOwnAsync(conversation.Id, senderId, Math.Min(range.ReadAfter, delivered.Seq), cancellationToken).ConfigureAwait(false);
            if (read is not null)
            {
                statuses.Add(Status(read, ReceiptStatus.Read));
            }
        }

        return statuses;
    }

    // The sender's newest text or media message at or below upTo, looking back a bounded number of messages.
    private async ValueTask<Message?> NewestOwnAsync(string conversationId, string senderId, long upTo, CancellationToken cancellationToken)
    {
        var before = upTo + 1;
        for (var read = 0; read < EngineLimits.StatusLookBack && before > 1; read += batchSize)
        {
            var batch = await messages.ReadBeforeAsync(conversationId, before, batchSize, cancellationToken).ConfigureAwait(false);
            foreach (var message in batch)
            {
                if (message.Kind is MessageKind.Text or MessageKind.Media && string.Equals(message.SenderId, senderId, StringComparison.Ordinal))
                {
                    return message;
                }

                before = Math.Min(before, message.Seq);
            }

            if (batch.Count < batchSize)
            {
                break;
            }
        }

        return null;
    }

    private StatusEvent Status(Message message, ReceiptStatus status)
        => new(message.ConversationId, message.MessageId, message.Seq, status, message.ClientMsgId, time.GetUtcNow());
}
