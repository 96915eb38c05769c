using System.Diagnostics;

namespace Messaging;

/// <summary>Who sends: the authenticated user, their device and the connection the send came in on.</summary>
/// <param name="UserId">The sender.</param>
/// <param name="DeviceId">The sender's device.</param>
/// <param name="Origin">The sending connection, which gets the <c>sent</c> status and only advances its cursor.</param>
internal sealed record Sender(string UserId, string DeviceId, ConnectionPipeline Origin)
{
    /// <summary>Keeps this sender's overlapping sends committing in the order they were started.</summary>
    public CommitTurns Turns { get; } = new();
}

/// <summary>
/// The send flow (DESIGN §5): authorise, validate, commit (de-duplicate, sequence, append), then — only after the
/// commit — the sender's read mark, the contact record of a direct message and the conversation index (together), then
/// the <c>sent</c> status, fan-out and push.
/// </summary>
internal sealed class SendPipeline(EngineContext context, IConversationIndex index, IMediaCatalog mediaCatalog, IMessageIdGenerator ids, ConversationAccess access, MessageCommitter committer, RecentMessages recent, MessageFanout fanout, ReceiptFlow receipts, ContactRecorder contacts, EventLogWriter eventLog)
{
    /// <summary>
    /// Sends a client's message. A sender's sends may overlap: each takes a turn here, before its first await, and
    /// commits only after the seqs of the sends started before it are decided (<see cref="CommitTurns"/>).
    /// </summary>
    /// <param name="sender">Who sends, from which connection.</param>
    /// <param name="request">The message.</param>
    /// <param name="cancellationToken">Cancels the steps before a seq is taken.</param>
    /// <returns>The committed message, or the original one for a repeated client message id.</returns>
    public async ValueTask<SendResult> SendAsync(Sender sender, SendMessageRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var turn = sender.Turns.Take();
        var started = context.Metrics.SendDurationEnabled ? Stopwatch.GetTimestamp() : 0;
        using var activity = MessagingActivitySource.StartSend(request.ConversationId ?? string.Empty, sender.UserId);
        try
        {
            var conversation = await access.RequireMemberAsync(request.ConversationId, sender.UserId, cancellationToken).ConfigureAwait(false);
            SendValidator.Validate(request, context.Options);
            var media = request.MediaId is null ? null : await MediaSharing.AttachAsync(mediaCatalog, sender.UserId, request.MediaId, conversation.Id, context.Now, cancellationToken).ConfigureAwait(false);
            var draft = Draft(conversation.Id, sender.UserId, request.ClientMsgId, request.Content, request.MediaId, request.MediaId is null ? MessageKind.Text : MessageKind.Media, media);
            await sender.Turns.WaitAsync(turn, cancellationToken).ConfigureAwait(false);
            var result = await CommitAsync(conversation, draft, sender, alsoUserId: null, turn, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("messaging.seq", result.Message.Seq);
            activity?.SetTag("messaging.duplicate", result.Duplicate);
            if (started != 0)
            {
                context.Metrics.SendDuration(Stopwatch.GetElapsedTime(started), result.Duplicate);
            }

            return result;
        }
        catch (Exception exception)
        {
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
            throw;
        }
        finally
        {
            // Normally settled as soon as the seq is decided; a send that failed before that gives its turn up here.
            sender.Turns.Settle(turn);
        }
    }

    /// <summary>Appends a system message (membership change) through the same commit and fan-out, so it is sequenced.</summary>
    /// <param name="conversation">The conversation.</param>
    /// <param name="actorId">Who made the change (the message's sender).</param>
    /// <param name="content">The text, for example <c>alice added bob</c>.</param>
    /// <param name="affectedUserId">
    /// The member the change is about; also reached on their own channel, so a member being removed learns about it
    /// even when the read path is already unsubscribing them.
    /// </param>
    /// <param name="cancellationToken">Cancels the steps before a seq is taken.</param>
    /// <returns>The committed message.</returns>
    public async ValueTask<Message> AppendSystemMessageAsync(Conversation conversation, string actorId, string content, string affectedUserId, CancellationToken cancellationToken)
    {
        var draft = Draft(conversation.Id, actorId, string.Empty, content, null, MessageKind.System);
        draft = draft with { ClientMsgId = "system:" + draft.MessageId };
        var result = await CommitAsync(conversation, draft, sender: null, affectedUserId, turn: 0, cancellationToken).ConfigureAwait(false);
        return result.Message;
    }

    // turn: the sender's turn, which the committer settles once the seq is decided.
    private async ValueTask<SendResult> CommitAsync(Conversation conversation, Message draft, Sender? sender, string? alsoUserId, long turn, CancellationToken cancellationToken)
    {
        var commit = await committer.CommitAsync(draft, sender?.UserId, new CommitTurn(sender?.Turns, turn), cancellationToken).ConfigureAwait(false);

        // Stored for good: concurrent sends in the conversation find it when their statuses look back.
        if (commit.Message is { } committed)
        {
            recent.Remember(committed);
        }

        if (commit.Tombstone is { } tombstone)
        {
            recent.Remember(tombstone);
            // Tell every reader the seq is settled, so nobody waits for it.
            await TouchAsync(tombstone).ConfigureAwait(false);
            eventLog.Message(tombstone);
            await fanout.PublishAsync(conversation, tombstone, originConnectionId: null).ConfigureAwait(false);
        }

        if (commit.Message is not { } message)
        {
            if (commit.Failure is MessagingException answer)
            {
                throw answer;
            }

            throw new MessagingBackendException("The message could not be stored; send it again.", commit.Failure ?? new InvalidOperationException("Commit failed."));
        }

        if (commit.Duplicate)
        {
            sender?.Origin.EnqueueEvent(SentStatus(message));
            context.Metrics.Duplicate();
            return new SendResult(message, Duplicate: true);
        }

        context.Metrics.MessageSent();

        // The sender's read mark, the contact record and the conversation index are independent writes: they run
        // together, one round trip to the stores instead of one after the other, and all finish before `sent` and the
        // fan-out. So a recipient who connects after the sender was told `sent` finds the conversation's new activity
        // and gets the message in its catch-up, before `sync_complete`; a recipient who gets the message finds its
        // direction recorded (and a recipient who answers it, the sender's mark).
        // A store that keeps the books made the read mark and the activity writes in its atomic step: only the
        // statuses the mark's move causes are left.
        var booksKept = commit.SenderMarksBefore is { } marksBefore && sender is not null;
        var readMark = sender is null ? default
            : booksKept ? PublishReadMarkAsync(conversation, sender.UserId, commit.SenderMarksBefore!.Value, message)
            : AdvanceReadMarkAsync(conversation, sender.UserId, message);
        var contact = sender is null ? default : contacts.RecordAsync(conversation, message);
        var touch = booksKept ? default : TouchAsync(message);
        await readMark.ConfigureAwait(false);
        await contact.ConfigureAwait(false);
        await touch.ConfigureAwait(false);

        // Committed and booked: to the event log (an enqueue; the log's lane appends it in seq order, retrying).
        eventLog.Message(message);

        sender?.Origin.EnqueueEvent(SentStatus(message));
        await fanout.PublishAsync(conversation, message, sender?.Origin.ConnectionId, alsoUserId).ConfigureAwait(false);
        await fanout.NotifyOfflineMembersAsync(conversation, message).ConfigureAwait(false);
        return new SendResult(message, Duplicate: false);
    }

    // Sending reads everything before it for the USER (unread count), recorded on the reserved sender pseudo-device:
    // the sending device's delivered mark is its catch-up cursor and must never move past messages still in flight to
    // it. Failures are logged: the commit stands.
    private async ValueTask AdvanceReadMarkAsync(Conversation conversation, string senderId, Message message)
    {
        try
        {
            await receipts.AdvanceAsync(conversation, senderId, ReservedDeviceIds.Sender, message.Seq, ReceiptStatus.Read, CancellationToken.None, message).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            context.Logger.PostCommitStepFailed("read mark", message.ConversationId, message.Seq, exception);
        }
    }

    // The statuses of a read mark the store moved in its atomic commit (failures logged, as for the write).
    private async ValueTask PublishReadMarkAsync(Conversation conversation, string senderId, Watermark before, Message message)
    {
        try
        {
            await receipts.PublishAdvancedAsync(conversation, senderId, before, message.Seq, ReceiptStatus.Read, CancellationToken.None, message).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            context.Logger.PostCommitStepFailed("read mark statuses", message.ConversationId, message.Seq, exception);
        }
    }

    private async ValueTask TouchAsync(Message message)
    {
        try
        {
            await index.TouchAsync(message.ConversationId, message.Seq, message.Timestamp, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            context.Logger.PostCommitStepFailed("conversation index", message.ConversationId, message.Seq, exception);
        }
    }

    private Message Draft(string conversationId, string senderId, string clientMsgId, string content, string? mediaId, MessageKind kind, MediaAttachment? media = null) => new()
    {
        Media = media,
        ConversationId = conversationId,
        Seq = 0,
        MessageId = ids.NewMessageId(),
        SenderId = senderId,
        ClientMsgId = clientMsgId,
        Content = content,
        MediaId = mediaId,
        Timestamp = context.Now,
        Kind = kind,
    };

    private static StatusEvent SentStatus(Message message)
        => new(message.ConversationId, message.MessageId, message.Seq, ReceiptStatus.Sent, message.ClientMsgId, message.Timestamp);
}
