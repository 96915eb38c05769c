namespace Messaging;

/// <summary>
/// "Message info": per other member, when a message was delivered and read, derived from the members' watermarks.
/// Only the sender may ask; for anyone else the message does not exist.
/// </summary>
/// <remarks>
/// Watermarks keep the time each mark last moved, not a time per message, so the times reported are those of the
/// latest move of a mark that covers the message; a delivered time is never reported later than the read time.
/// </remarks>
/// <param name="messages">The message store (the message asked about).</param>
/// <param name="ids">The message id index (where the message is).</param>
/// <param name="conversations">The conversation store (its members).</param>
/// <param name="receipts">The receipt store (the members' marks).</param>
internal sealed class ReceiptQuery(IMessageStore messages, IMessageIdIndex ids, IConversationStore conversations, IReceiptStore receipts)
{
    /// <summary>The receipts of a message the caller sent.</summary>
    /// <param name="userId">The authenticated caller.</param>
    /// <param name="messageId">The message id.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The message and one receipt per other current member, by user id.</returns>
    public async ValueTask<MessageReceipts> GetAsync(string userId, string messageId, CancellationToken cancellationToken)
    {
        var message = await MessageIdLookup.FindAsync(ids, messages, messageId, cancellationToken).ConfigureAwait(false);
        if (message is null || message.Kind == MessageKind.Tombstone || !string.Equals(message.SenderId, userId, StringComparison.Ordinal))
        {
            throw new MessagingNotFoundException(ReceiptFlow.MessageNotFound);
        }

        var conversation = await conversations.GetAsync(message.ConversationId, cancellationToken).ConfigureAwait(false);
        if (conversation is null || !conversation.IsMember(userId))
        {
            throw new MessagingNotFoundException(ReceiptFlow.MessageNotFound);
        }

        var marks = (await receipts.GetAllAsync(conversation.Id, cancellationToken).ConfigureAwait(false))
            .ToDictionary(m => m.UserId, m => m.Mark, StringComparer.Ordinal);
        var perMember = conversation.Members
            .Where(m => !string.Equals(m.UserId, userId, StringComparison.Ordinal))
            .OrderBy(m => m.UserId, StringComparer.Ordinal)
            .Select(m => Receipt(m.UserId, marks.GetValueOrDefault(m.UserId), message.Seq))
            .ToList();
        return new MessageReceipts(message, perMember);
    }

    private static MessageReceipt Receipt(string userId, Watermark mark, long seq)
    {
        var readAt = mark.ReadUpTo >= seq ? mark.ReadAt : null;
        var deliveredAt = mark.DeliveredUpTo >= seq ? mark.DeliveredAt ?? readAt : null;
        if (deliveredAt is { } delivered && readAt is { } read && delivered > read)
        {
            deliveredAt = read;
        }

        return new MessageReceipt(userId, deliveredAt, readAt);
    }
}
