using Messaging.Protocol;
using Microsoft.Extensions.Logging;

namespace Messaging.Transports.AspNetCore;

/// <summary>
/// Handles the complete text frames of one connection, in order: parse, rate-limit (the connection's own bucket, then
/// the budget shared by all of the user's connections on this node), then call the session. Every
/// failure becomes an <c>error</c> frame (with the frame's <c>client_msg_id</c> when it had one) and the connection
/// stays open. Fields a client cannot set (the sender) are never read from the frame.
/// </summary>
internal sealed class FrameDispatcher
{
    private readonly MessagingSession _session;
    private readonly WebSocketClientConnection _connection;
    private readonly UserConnectionLimits.UserConnections _user;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly GatewayMetrics _metrics;
    private readonly double _burst;
    private readonly double _tokensPerTick;
    private double _tokens;
    private long _refilledAt;

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
        _time = time;
        _logger = logger;
        _metrics = metrics;

        // A token bucket refilled on use from the elapsed time: an idle connection costs no timer and no limiter object.
        _burst = options.RateLimitBurst;
        _tokensPerTick = (double)options.RateLimitPerSecond / time.TimestampFrequency;
        _tokens = _burst;
        _refilledAt = time.GetTimestamp();
    }

    public async ValueTask HandleAsync(ReadOnlyMemory<byte> utf8, CancellationToken cancellationToken)
    {
        _metrics.FrameReceived();
        if (!ProtocolReader.TryParse(utf8.Span, out ClientFrame? frame, out var error))
        {
            Reject(ErrorCodes.BadRequest, error, clientMsgId: null);
            return;
        }

        var clientMsgId = (frame as SendMessageFrame)?.ClientMsgId;
        if (!TryTakeToken() || !_user.TryTakeFrame())
        {
            Reject(ErrorCodes.RateLimited, "Too many frames; slow down.", clientMsgId);
            return;
        }

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
    private bool TryTakeToken()
    {
        var now = _time.GetTimestamp();
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
