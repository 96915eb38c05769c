namespace Messaging;

/// <summary>
/// Acks: resolve what the client acknowledges to <c>(conversation, seq)</c>, advance the device's watermarks (never
/// backwards; read implies delivered), and let <see cref="StatusNotifier"/> tell senders whose messages the
/// conversation's aggregate marks crossed. Data flows one way: sending calls <see cref="AdvanceAsync"/>, and nothing
/// here calls back into sending, delivery or conversations.
/// </summary>
/// <remarks>
/// Message ids the caller cannot see (unknown, or in a conversation the caller is not a member of) fail the whole ack
/// with the same <see cref="MessagingNotFoundException"/>, before any mark moves. Seqs beyond the conversation's last
/// seq are clamped to it, so an early ack can never mark a future message.
/// </remarks>
/// <param name="messages">The message store (acked messages, the last seq).</param>
/// <param name="recent">The newest messages this node routed (the clamp of an ack up to a seq, without a store read).</param>
/// <param name="ids">The message id index (acked ids).</param>
/// <param name="conversations">The conversation store (the conversations of acked ids).</param>
/// <param name="receipts">The receipt store (the marks).</param>
/// <param name="access">Membership checks.</param>
/// <param name="statuses">Publishes the statuses a move causes.</param>
/// <param name="time">The clock of the marks' times.</param>
/// <param name="eventLog">Takes the acks that advanced a device's marks.</param>
internal sealed class ReceiptFlow(IMessageStore messages, RecentMessages recent, IMessageIdIndex ids, IConversationStore conversations, IReceiptStore receipts, ConversationAccess access, StatusNotifier statuses, TimeProvider time, EventLogWriter eventLog)
{
    /// <summary>The one message of every "unknown or invisible message" failure.</summary>
    public const string MessageNotFound = "Message not found.";

    /// <summary>Acknowledges messages by id.</summary>
    /// <param name="userId">The authenticated caller.</param>
    /// <param name="deviceId">The caller's device.</param>
    /// <param name="messageIds">The message ids.</param>
    /// <param name="status">Delivered or read.</param>
    /// <param name="cancellationToken">Cancels the ack.</param>
    /// <returns>A task that completes when the marks moved.</returns>
    public async ValueTask AckAsync(string userId, string deviceId, IReadOnlyList<string> messageIds, ReceiptStatus status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        Validation.RequireAckStatus(status);
        if (messageIds.Count > EngineLimits.MaxAckBatch)
        {
            throw Validation.BadRequest($"An ack may carry at most {EngineLimits.MaxAckBatch} message ids.");
        }

        // Resolve everything first, so an invisible id changes nothing. An ack nearly always names one conversation:
        // that one is kept in locals, and a map is made only for the others.
        Conversation? first = null;
        Message? firstNewest = null;
        Dictionary<string, (Conversation Conversation, Message Newest)>? others = null;
        for (var i = 0; i < messageIds.Count; i++)
        {
            var messageId = messageIds[i];
            var message = await MessageIdLookup.FindAsync(ids, messages, messageId, cancellationToken).ConfigureAwait(false);
            if (message is null)
            {
                throw new MessagingNotFoundException(MessageNotFound);
            }

            if (first is null)
            {
                first = await RequireVisibleAsync(message.ConversationId, userId, cancellationToken).ConfigureAwait(false);
                firstNewest = message;
            }
            else if (string.Equals(first.Id, message.ConversationId, StringComparison.Ordinal))
            {
                firstNewest = message.Seq > firstNewest!.Seq ? message : firstNewest;
            }
            else if ((others ??= new(StringComparer.Ordinal)).TryGetValue(message.ConversationId, out var entry))
            {
                others[message.ConversationId] = message.Seq > entry.Newest.Seq ? (entry.Conversation, message) : entry;
            }
            else
            {
                others.Add(message.ConversationId, (await RequireVisibleAsync(message.ConversationId, userId, cancellationToken).ConfigureAwait(false), message));
            }
        }

        if (first is null)
        {
            return;
        }

        await AdvanceAsync(first, userId, deviceId, firstNewest!.Seq, status, cancellationToken, firstNewest).ConfigureAwait(false);
        if (others is not null)
        {
            foreach (var (conversation, newest) in others.Values)
            {
                await AdvanceAsync(conversation, userId, deviceId, newest.Seq, status, cancellationToken, newest).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Acknowledges every message of a conversation up to a seq.</summary>
    /// <param name="userId">The authenticated caller.</param>
    /// <param name="deviceId">The caller's device.</param>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="upToSeq">The seq (clamped to the newest message stored at or below it).</param>
    /// <param name="status">Delivered or read.</param>
    /// <param name="cancellationToken">Cancels the ack.</param>
    /// <returns>A task that completes when the marks moved.</returns>
    public async ValueTask AckUpToAsync(string userId, string deviceId, string conversationId, long upToSeq, ReceiptStatus status, CancellationToken cancellationToken)
    {
        var conversation = await access.RequireMemberAsync(conversationId, userId, cancellationToken).ConfigureAwait(false);
        Validation.RequireAckStatus(status);
        if (upToSeq < 0)
        {
            throw Validation.BadRequest("up_to_seq must not be negative.");
        }

        if (upToSeq == 0)
        {
            return;
        }

        // The newest stored message at or below the seq is the clamp and the message the statuses start from, in one
        // read (the statuses then need no read of their own when it is the other member's, the usual ack of a direct
        // conversation). Only when retention removed every message up to the seq is the last seq read instead.
        var newest = await recent.ReadBeforeAsync(messages, conversation.Id, upToSeq == long.MaxValue ? upToSeq : upToSeq + 1, 1, cancellationToken).ConfigureAwait(false);
        if (newest.Count > 0)
        {
            await AdvanceAsync(conversation, userId, deviceId, newest[0].Seq, status, cancellationToken, newest[0]).ConfigureAwait(false);
            return;
        }

        var seq = Math.Min(upToSeq, await messages.GetLastSeqAsync(conversation.Id, cancellationToken).ConfigureAwait(false));
        if (seq > 0)
        {
            await AdvanceAsync(conversation, userId, deviceId, seq, status, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Advances a device's marks to <paramref name="seq"/> and publishes the statuses this causes.</summary>
    /// <param name="conversation">The conversation (the caller is a member).</param>
    /// <param name="userId">The member.</param>
    /// <param name="deviceId">The member's device.</param>
    /// <param name="seq">The seq, at most the conversation's last seq.</param>
    /// <param name="status">Delivered, or read (which also means delivered).</param>
    /// <param name="cancellationToken">Cancels the advance.</param>
    /// <param name="newest">The message at <paramref name="seq"/>, when the caller has it (spares reading it back).</param>
    /// <returns>A task that completes when the marks moved and the statuses were published.</returns>
    public async ValueTask AdvanceAsync(Conversation conversation, string userId, string deviceId, long seq, ReceiptStatus status, CancellationToken cancellationToken, Message? newest = null)
    {
        var read = status == ReceiptStatus.Read ? seq : 0;

        // A monotonic write that returns the user's marks read before it (not atomically): the user's marks after are
        // at least these raised to the ack. A concurrent advance of another device of the user may see the same
        // "before", so both publish the statuses of the range they share (a harmless repeat, never a loss).
        var before = await receipts.AdvanceAsync(conversation.Id, userId, deviceId, seq, read, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);

        // A device's ack to the event log; the sender's own mark moving with a send is implied by the message event.
        if (!ReservedDeviceIds.IsReserved(deviceId))
        {
            eventLog.Receipt(conversation.Id, userId, deviceId, status, seq);
        }

        await PublishAdvancedAsync(conversation, userId, before, seq, status, cancellationToken, newest).ConfigureAwait(false);
    }

    /// <summary>
    /// Publishes the statuses caused by a user's marks moving to <paramref name="seq"/> from <paramref name="before"/>,
    /// when the move was written elsewhere (a store that advances the sender's read mark in its atomic commit).
    /// </summary>
    /// <param name="conversation">The conversation.</param>
    /// <param name="userId">The member whose marks moved.</param>
    /// <param name="before">The member's aggregate marks read before the write.</param>
    /// <param name="seq">The seq the marks moved to.</param>
    /// <param name="status">Delivered, or read (which also means delivered).</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <param name="newest">The message at <paramref name="seq"/>, when the caller has it.</param>
    /// <returns>A task that completes when the statuses were published.</returns>
    public ValueTask PublishAdvancedAsync(Conversation conversation, string userId, Watermark before, long seq, ReceiptStatus status, CancellationToken cancellationToken, Message? newest = null)
    {
        var read = status == ReceiptStatus.Read ? seq : 0;
        var after = new Watermark(Math.Max(before.DeliveredUpTo, Math.Max(seq, read)), Math.Max(before.ReadUpTo, read), null, null);
        return after.DeliveredUpTo > before.DeliveredUpTo || after.ReadUpTo > before.ReadUpTo
            ? statuses.PublishCrossedAsync(conversation, userId, before, after, cancellationToken, newest)
            : ValueTask.CompletedTask;
    }

    // The conversation of an acked message, when the caller is a member; otherwise the message is not found.
    private async ValueTask<Conversation> RequireVisibleAsync(string conversationId, string userId, CancellationToken cancellationToken)
    {
        var conversation = await conversations.GetAsync(conversationId, cancellationToken).ConfigureAwait(false);
        return conversation is not null && conversation.IsMember(userId) ? conversation : throw new MessagingNotFoundException(MessageNotFound);
    }
}
