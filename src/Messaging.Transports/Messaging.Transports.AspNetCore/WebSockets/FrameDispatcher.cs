using System.Threading.RateLimiting;
using Messaging.Protocol;
using Microsoft.Extensions.Logging;

namespace Messaging.Transports.AspNetCore;

/// <summary>
/// Handles the complete text frames of one connection, in order: parse, rate-limit, then call the session. Every
/// failure becomes an <c>error</c> frame (with the frame's <c>client_msg_id</c> when it had one) and the connection
/// stays open. Fields a client cannot set (the sender) are never read from the frame.
/// </summary>
internal sealed class FrameDispatcher : IDisposable
{
    private readonly MessagingSession _session;
    private readonly WebSocketClientConnection _connection;
    private readonly ILogger _logger;
    private readonly GatewayMetrics _metrics;
    private readonly TokenBucketRateLimiter _rateLimiter;

    public FrameDispatcher(MessagingSession session, WebSocketClientConnection connection, MessagingGatewayOptions options, ILogger logger, GatewayMetrics metrics)
    {
        _session = session;
        _connection = connection;
        _logger = logger;
        _metrics = metrics;

        // Replenished on demand (AutoReplenishment off) so idle connections cost no timer.
        _rateLimiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.RateLimitBurst,
            TokensPerPeriod = options.RateLimitPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = false,
        });
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
        _rateLimiter.TryReplenish();
        using (var lease = _rateLimiter.AttemptAcquire())
        {
            if (!lease.IsAcquired)
            {
                Reject(ErrorCodes.RateLimited, "Too many frames; slow down.", clientMsgId);
                return;
            }
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

    public void Dispose() => _rateLimiter.Dispose();

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
