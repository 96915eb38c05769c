using Microsoft.Extensions.Logging;

namespace Messaging.Transports.AspNetCore;

/// <summary>The gateway's log events (ids 2000-2099).</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(2000, LogLevel.Information, "WebSocket {ConnectionId} connected: user {UserId}, device {DeviceId}")]
    public static partial void Connected(this ILogger logger, string connectionId, string userId, string deviceId);

    [LoggerMessage(2001, LogLevel.Information, "WebSocket {ConnectionId} disconnected: {CloseStatus} {CloseReason}")]
    public static partial void Disconnected(this ILogger logger, string connectionId, int? closeStatus, string? closeReason);

    [LoggerMessage(2002, LogLevel.Debug, "WebSocket {ConnectionId} rejected a frame: {Reason}")]
    public static partial void FrameRejected(this ILogger logger, string connectionId, string reason);

    [LoggerMessage(2003, LogLevel.Warning, "WebSocket {ConnectionId} closing with {CloseStatus}: {CloseReason}")]
    public static partial void Closing(this ILogger logger, string connectionId, int closeStatus, string closeReason);

    [LoggerMessage(2004, LogLevel.Error, "WebSocket {ConnectionId} failed to handle a {FrameType} frame")]
    public static partial void FrameFailed(this ILogger logger, string connectionId, string frameType, Exception exception);

    [LoggerMessage(2005, LogLevel.Debug, "WebSocket {ConnectionId} transport ended")]
    public static partial void TransportEnded(this ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(2006, LogLevel.Warning, "WebSocket handshake refused with {StatusCode}: {Reason}")]
    public static partial void HandshakeRefused(this ILogger logger, int statusCode, string reason);

    [LoggerMessage(2007, LogLevel.Error, "WebSocket for user {UserId} could not connect to the engine")]
    public static partial void ConnectFailed(this ILogger logger, string userId, Exception exception);

    [LoggerMessage(2009, LogLevel.Warning, "WebSocket {ConnectionId} did not disconnect cleanly from the engine")]
    public static partial void DisconnectFailed(this ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(2008, LogLevel.Error, "REST request {Method} {Path} failed")]
    public static partial void RestFailed(this ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(2030, LogLevel.Debug, "Request {Method} {Path} over the user's rate limit; retry after {RetryAfterSeconds} s")]
    public static partial void RequestRateLimited(this ILogger logger, string method, string path, int retryAfterSeconds);
}
