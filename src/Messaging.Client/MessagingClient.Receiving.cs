using Messaging.Client.Delivery;
using Messaging.Client.Diagnostics;
using Messaging.Protocol;

namespace Messaging.Client;

/// <content>Incoming traffic: frames from the receive loop, ordering and de-duplication, gap filling, statuses.</content>
public sealed partial class MessagingClient
{
    private const int GapFillPageSize = 100;
    private const int GapFillMaxRounds = 20;
    private static readonly TimeSpan GapFillRetryDelay = TimeSpan.FromSeconds(1);

    // Guards _ordering and _gapFills. Released messages are published while it is held, so that messages released by
    // the receive loop and by a concurrent gap fill reach the dispatcher in seq order.
    private readonly object _orderingGate = new();
    private readonly OrderingBuffer _ordering;
    private readonly HashSet<string> _gapFills = new(StringComparer.Ordinal);

    // Only the receive loop touches it.
    private readonly StatusTracker _statuses = new(capacity: 10_000);

    private void OnFrame(ServerFrame frame)
    {
        switch (frame)
        {
            case MessageFrame message:
                OnMessage(message.Message);
                break;
            case StatusUpdateFrame status:
                OnStatus(status);
                break;
            case UserTypingFrame typing:
                _typingIn.OnTyping(typing.ConversationId, typing.UserId, typing.IsTyping);
                break;
            case PresenceFrame presence:
                _events.Publish(new PresenceChangedEvent(presence.UserId, presence.Status, presence.LastSeen));
                break;
            case SyncCompleteFrame syncComplete:
                OnSyncComplete(syncComplete);
                break;
            case ErrorFrame error:
                OnError(error);
                break;
            case PongFrame:
                break;
            default:
                _logger.FrameIgnored(0, frame.Type);
                break;
        }
    }

    private void OnMessage(MessageData message)
    {
        var released = new List<MessageData>();
        OfferOutcome outcome;
        lock (_orderingGate)
        {
            outcome = OfferLocked(message, released);
            Release(released);
            if (outcome == OfferOutcome.Held)
            {
                _logger.GapDetected(message.ConversationId, _ordering.GetCursor(message.ConversationId) ?? 0, message.Seq);
                StartGapFillLocked(message.ConversationId);
            }
        }

        if (outcome == OfferOutcome.Duplicate)
        {
            // The server re-sends what it believes undelivered (its ack may have been lost): acknowledge it again.
            _logger.DuplicateDropped(message.ConversationId, message.Seq, message.MessageId);
            _acks.Add(message.MessageId);
        }

        foreach (var delivered in released)
        {
            _acks.Add(delivered.MessageId);
        }
    }

    // Called under _orderingGate. A message this client sent whose status has not come yet (it arrived through
    // catch-up after a reconnect, or through history) completes its send and is not raised as received.
    private OfferOutcome OfferLocked(MessageData message, List<MessageData> released) =>
        _outbox.TryCompleteWith(message)
            ? _ordering.OfferOwn(message.ConversationId, message.Seq, released)
            : _ordering.Offer(message, released);

    // Called under _orderingGate.
    private void Release(List<MessageData> released)
    {
        foreach (var message in released)
        {
            _typingIn.OnMessage(message.ConversationId, message.SenderId);
            _events.Publish(new MessageReceivedEvent(message));
        }
    }

    private void OnStatus(StatusUpdateFrame status)
    {
        if (status.Status == DeliveryStatus.Sent)
        {
            OnOwnMessageStored(status);
        }

        if (_statuses.TryAdvance(status.MessageId, status.Status))
        {
            _events.Publish(new MessageStatusChangedEvent(status.ConversationId, status.MessageId, status.Seq, status.Status, status.ClientMsgId, status.Timestamp));
        }
    }

    // The server stored a message this connection sent: complete its send, and let it take its seq in the ordering
    // buffer so that the next message from someone else is not taken for a gap.
    private void OnOwnMessageStored(StatusUpdateFrame status)
    {
        if (status.ClientMsgId is { } clientMsgId)
        {
            _outbox.TryComplete(clientMsgId, new SentMessage(status.ConversationId, clientMsgId, status.MessageId, status.Seq, status.Timestamp));
        }

        var released = new List<MessageData>();
        lock (_orderingGate)
        {
            if (_ordering.OfferOwn(status.ConversationId, status.Seq, released) == OfferOutcome.Held)
            {
                StartGapFillLocked(status.ConversationId);
            }

            Release(released);
        }

        // The device holds its own message: acknowledging it keeps the server from re-sending it at catch-up.
        _acks.Add(status.MessageId);
        foreach (var message in released)
        {
            _acks.Add(message.MessageId);
        }
    }

    private void OnError(ErrorFrame error)
    {
        _logger.ServerError(error.Code, error.Message, error.ClientMsgId);
        if (error.ClientMsgId is { } clientMsgId)
        {
            if (error.Code == ErrorCodes.RateLimited && _outbox.TryRequestResend(clientMsgId))
            {
                ScheduleOutboxRetry();
                return;
            }

            if (_outbox.TryFail(clientMsgId, new MessagingClientException(error.Code, error.Message)))
            {
                return;
            }
        }

        _events.Publish(new ServerErrorEvent(error.Code, error.Message));
    }

    private void OnSyncComplete(SyncCompleteFrame syncComplete)
    {
        lock (_orderingGate)
        {
            foreach (var (conversationId, seq) in syncComplete.Cursors)
            {
                _ordering.ObserveHighWater(conversationId, seq);
                if (_ordering.FindGap(conversationId) is { } gap)
                {
                    _logger.GapDetected(conversationId, gap.Cursor, gap.UpTo + 1);
                    StartGapFillLocked(conversationId);
                }
            }
        }
    }

    // Called under _orderingGate. At most one fill per conversation runs at a time.
    private void StartGapFillLocked(string conversationId)
    {
        if (_gapFills.Add(conversationId))
        {
            _ = Task.Run(() => FillGapAsync(conversationId));
        }
    }

    // Fetches the missing seqs of a conversation from REST history until its gap is closed. History is authoritative:
    // seqs it skips below a seq it returns do not exist (tombstones), so the cursor moves past them. When REST cannot
    // help, asks the server to re-send over the socket with a sync from the cursor, and tries again a little later.
    private async Task FillGapAsync(string conversationId)
    {
        var token = _disposing.Token;
        try
        {
            for (var round = 0; round < GapFillMaxRounds && !token.IsCancellationRequested; round++)
            {
                SequenceGap? gap;
                lock (_orderingGate)
                {
                    gap = _ordering.FindGap(conversationId);
                }

                if (gap is not { } missing)
                {
                    return;
                }

                var progressed = false;
                try
                {
                    var page = await GetMessagesAsync(conversationId, before: null, after: missing.Cursor, GapFillPageSize, token).ConfigureAwait(false);
                    progressed = ApplyHistory(conversationId, missing.Cursor, page);
                }
                catch (MessagingClientException ex)
                {
                    _logger.GapFillFailed(conversationId, ex);
                }

                if (!progressed)
                {
                    // REST could not help (unreachable, or not yet consistent): let the server re-send over the socket.
                    await RequestSyncAsync(conversationId, missing.Cursor, token).ConfigureAwait(false);
                    await Task.Delay(GapFillRetryDelay, _time, token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            _logger.GapFillStopped(conversationId);
        }
        finally
        {
            lock (_orderingGate)
            {
                _gapFills.Remove(conversationId);
            }
        }
    }

    // Returns whether the cursor moved.
    private bool ApplyHistory(string conversationId, long cursor, IReadOnlyList<MessageData> page)
    {
        var released = new List<MessageData>();
        bool progressed;
        lock (_orderingGate)
        {
            var expected = cursor + 1;
            foreach (var message in page.Where(m => m.Seq > cursor).OrderBy(m => m.Seq))
            {
                if (message.Seq > expected)
                {
                    // The store holds later seqs but not these: they were never written (tombstones).
                    _ordering.SkipTo(conversationId, message.Seq - 1, released);
                }

                OfferLocked(message, released);
                expected = message.Seq + 1;
            }

            Release(released);
            progressed = _ordering.GetCursor(conversationId) > cursor;
        }

        foreach (var message in released)
        {
            _acks.Add(message.MessageId);
        }

        return progressed;
    }

    private async Task RequestSyncAsync(string conversationId, long cursor, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _connection) is { } connection)
        {
            var cursors = new Dictionary<string, long>(StringComparer.Ordinal) { [conversationId] = cursor };
            await connection.TrySendAsync(new SyncFrame(cursors), cancellationToken).ConfigureAwait(false);
        }
    }
}
