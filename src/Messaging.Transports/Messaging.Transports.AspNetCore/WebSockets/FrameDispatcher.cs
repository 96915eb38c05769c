using Messaging.Protocol;
using Microsoft.Extensions.Logging;

namespace Messaging.Transports.AspNetCore;

/// <summary>
/// Handles the complete text frames of one connection, in order: parse, rate-limit (the connection's own bucket, then
/// the budget shared by all of the user's connections on this node), then call the session. Every
/// failure becomes an <c>error</c> frame (with the frame's <c>client_msg_id</c> when it had one) and the connection
/// stays open. Fields a client cannot set (the sender) are never read from the frame.
/// </summary>
/// <remarks>
/// Sends overlap: a <c>message</c> frame is handed on once its send has started, and up to
/// <see cref="MaxSendsInFlight"/> of them wait on the stores together, so a client that sends several messages pays
/// one store round trip for them, not one each. The engine still commits them in the order they arrived
/// (<see cref="MessagingSession.SendAsync"/>); their <c>sent</c> statuses and errors may come in another order. Any
/// other frame first waits for the sends before it, so its effects follow theirs as when every frame was handled
/// to the end before the next one.
/// </remarks>
internal sealed class FrameDispatcher
{
    /// <summary>How many of the connection's sends may be in flight at once.</summary>
    internal const int MaxSendsInFlight = 8;

    private readonly MessagingSession _session;
    private readonly WebSocketClientConnection _connection;
    private readonly UserConnectionLimits.UserConnections _user;
    private readonly ILogger _logger;
    private readonly GatewayMetrics _metrics;
    private readonly double _burst;
    private readonly double _tokensPerTick;
    private double _tokens;
    private long _refilledAt;

    // The sends in flight, oldest first (a ring, allocated with the first send that does not complete at once). Only
    // the receive loop touches it: frames are handled one after the other.
    private ValueTask[]? _sends;
    private int _oldestSend;
    private int _sendsInFlight;

    public FrameDispatcher(
        MessagingSession session,
        WebSocketClientConnection connection,
        UserConnectionLimits.UserConnections user,
        MessagingGatewayOptions options,
        TimeProvider time,
        ILogger logger,
        GatewayMetrics metrics)
    {
        _session = session;
        _connection = connection;
        _user = user;
        _logger = logger;
        _metrics = metrics;

        // A token bucket refilled on use from the elapsed time: an idle connection costs no timer and no limiter object.
        _burst = options.RateLimitBurst;
        _tokensPerTick = (double)options.RateLimitPerSecond / time.TimestampFrequency;
        _tokens = _burst;
        _refilledAt = time.GetTimestamp();
    }

    /// <summary>Parses, rate-limits and dispatches one complete frame, answering a refused one with an error frame.</summary>
    /// <param name="utf8">The frame's text.</param>
    /// <param name="receivedAt">When it arrived (<see cref="TimeProvider.GetTimestamp"/>), what the rate limits count from.</param>
    /// <param name="cancellationToken">Ends the connection's work.</param>
    /// <returns>A task that completes when the frame was handled.</returns>
    public async ValueTask HandleAsync(ReadOnlyMemory<byte> utf8, long receivedAt, CancellationToken cancellationToken)
    {
        _metrics.FrameReceived();
        if (!ProtocolReader.TryParse(utf8.Span, out ClientFrame? frame, out var error))
        {
            Reject(ErrorCodes.BadRequest, error, clientMsgId: null);
            return;
        }

        var clientMsgId = (frame as SendMessageFrame)?.ClientMsgId;
        if (!TryTakeToken(receivedAt) || !_user.TryTakeFrame(receivedAt))
        {
            Reject(ErrorCodes.RateLimited, "Too many frames; slow down.", clientMsgId);
            return;
        }

        if (frame is SendMessageFrame)
        {
            // Room first: a send is started only once it can be tracked, so none runs unwatched.
            if (_sendsInFlight == MaxSendsInFlight)
            {
                await TakeOldestSend().ConfigureAwait(false);
            }

            var send = AnswerAsync(frame, clientMsgId, cancellationToken);
            if (send.IsCompleted)
            {
                send.GetAwaiter().GetResult();
                return;
            }

            AddSend(send);
            return;
        }

        await CompleteSendsAsync().ConfigureAwait(false);
        await AnswerAsync(frame, clientMsgId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits for the sends still in flight; called when the connection ends, before its session is disposed. A send
    /// cancelled by the connection's end stopped before its commit and is not waited for again.
    /// </summary>
    /// <returns>A task that completes when no send is in flight.</returns>
    public async ValueTask CompleteAsync()
    {
        while (_sendsInFlight > 0)
        {
            try
            {
                await TakeOldestSend().ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The connection ended while the send waited for something before its commit.
            }
        }
    }

    private async ValueTask CompleteSendsAsync()
    {
        while (_sendsInFlight > 0)
        {
            await TakeOldestSend().ConfigureAwait(false);
        }
    }

    private void AddSend(ValueTask send)
    {
        _sends ??= new ValueTask[MaxSendsInFlight];
        _sends[(_oldestSend + _sendsInFlight) % MaxSendsInFlight] = send;
        _sendsInFlight++;
    }

    private ValueTask TakeOldestSend()
    {
        var send = _sends![_oldestSend];
        _sends[_oldestSend] = default;
        _oldestSend = (_oldestSend + 1) % MaxSendsInFlight;
        _sendsInFlight--;
        return send;
    }

    // Runs a frame's request; every failure but the connection's end becomes an error frame.
    private async ValueTask AnswerAsync(ClientFrame frame, string? clientMsgId, CancellationToken cancellationToken)
    {
        try
        {
            await DispatchAsync(frame, cancellationToken).ConfigureAwait(false);
        }
        catch (MessagingException exception)
        {
            _connection.Send(new ErrorFrame(ErrorMapping.Code(exception.Kind), ErrorMapping.SafeMessage(exception), clientMsgId));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            _logger.FrameFailed(_connection.ConnectionId, frame.Type, exception);
            _connection.Send(new ErrorFrame(ErrorCodes.Internal, "An internal error occurred.", clientMsgId));
        }
    }

    /// <summary>Takes a token from the bucket; frames of one connection are handled one at a time, so no lock.</summary>
    private bool TryTakeToken(long now)
    {
        _tokens = Math.Min(_burst, _tokens + ((now - _refilledAt) * _tokensPerTick));
        _refilledAt = now;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens--;
        return true;
    }

    private async ValueTask DispatchAsync(ClientFrame frame, CancellationToken cancellationToken)
    {
        switch (frame)
        {
            case SendMessageFrame send:
                // The engine answers with the sent status itself; the sender is the authenticated user.
                await _session.SendAsync(new SendMessageRequest(send.ConversationId, send.Content, send.ClientMsgId, send.MediaId), cancellationToken).ConfigureAwait(false);
                break;
            case TypingFrame typing:
                await _session.SetTypingAsync(typing.ConversationId, typing.IsTyping, cancellationToken).ConfigureAwait(false);
                break;
            case AckMessagesFrame ack:
                await _session.AckAsync(ack.MessageIds, WireMapping.ToCore(ack.Status), cancellationToken).ConfigureAwait(false);
                break;
            case AckUpToFrame ack:
                await _session.AckUpToAsync(ack.ConversationId, ack.UpToSeq, WireMapping.ToCore(ack.Status), cancellationToken).ConfigureAwait(false);
                break;
            case SyncFrame sync:
                await _session.SyncAsync(sync.Cursors, cancellationToken).ConfigureAwait(false);
                break;
            case PresenceSubscribeFrame subscribe:
                await _session.SubscribePresenceAsync(subscribe.UserIds, cancellationToken).ConfigureAwait(false);
                break;
            case PingFrame:
                await _session.HeartbeatAsync(cancellationToken).ConfigureAwait(false);
                _connection.Send(PongFrame.Instance);
                break;
        }
    }

    private void Reject(string code, string message, string? clientMsgId)
    {
        _metrics.FrameRejected(code);
        _logger.FrameRejected(_connection.ConnectionId, message);
        _connection.Send(new ErrorFrame(code, message, clientMsgId));
    }
}
