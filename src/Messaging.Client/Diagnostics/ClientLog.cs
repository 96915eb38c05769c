using Microsoft.Extensions.Logging;

namespace Messaging.Client.Diagnostics;

/// <summary>The client's log messages; event ids are stable (1xx connection, 2xx delivery, 3xx sending, 4xx events).</summary>
internal static partial class ClientLog
{
    [LoggerMessage(100, LogLevel.Information, "Connected as device {DeviceId} (connection {Generation}).")]
    public static partial void Connected(this ILogger logger, string deviceId, long generation);

    [LoggerMessage(101, LogLevel.Debug, "Connection state {Previous} -> {State}.")]
    public static partial void StateChanged(this ILogger logger, ConnectionState previous, ConnectionState state);

    [LoggerMessage(102, LogLevel.Warning, "Connection {Generation} lost.")]
    public static partial void ConnectionLost(this ILogger logger, long generation, Exception? error);

    [LoggerMessage(103, LogLevel.Debug, "Reconnect attempt {Attempt} in {Delay}.")]
    public static partial void ReconnectScheduled(this ILogger logger, int attempt, TimeSpan delay);

    [LoggerMessage(104, LogLevel.Warning, "Reconnect attempt {Attempt} failed.")]
    public static partial void ReconnectFailed(this ILogger logger, int attempt, Exception error);

    [LoggerMessage(105, LogLevel.Error, "Gave up reconnecting after {Attempts} attempts.")]
    public static partial void ReconnectGaveUp(this ILogger logger, int attempts);

    [LoggerMessage(106, LogLevel.Debug, "Reconnecting stopped by disposal after {Attempts} attempts.")]
    public static partial void ReconnectCancelled(this ILogger logger, int attempts);

    [LoggerMessage(107, LogLevel.Warning, "Connection {Generation} received nothing for {Silence}; dropping it.")]
    public static partial void ServerTimedOut(this ILogger logger, long generation, TimeSpan silence);

    [LoggerMessage(108, LogLevel.Debug, "Keep-alive of connection {Generation} stopped.")]
    public static partial void KeepAliveStopped(this ILogger logger, long generation);

    [LoggerMessage(109, LogLevel.Debug, "Closing connection {Generation} did not finish cleanly.")]
    public static partial void CloseFailed(this ILogger logger, long generation, Exception error);

    [LoggerMessage(110, LogLevel.Debug, "Writing a {FrameType} frame on connection {Generation} failed.")]
    public static partial void SendFailed(this ILogger logger, string frameType, long generation, Exception error);

    [LoggerMessage(111, LogLevel.Warning, "Connection {Generation}: ignored a frame: {Reason}.")]
    public static partial void FrameIgnored(this ILogger logger, long generation, string reason);

    [LoggerMessage(112, LogLevel.Warning, "Connection {Generation}: ignored a binary frame.")]
    public static partial void BinaryFrameIgnored(this ILogger logger, long generation);

    [LoggerMessage(113, LogLevel.Error, "Handling a {FrameType} frame failed.")]
    public static partial void FrameHandlerFailed(this ILogger logger, string frameType, Exception error);

    [LoggerMessage(114, LogLevel.Critical, "The connection supervisor failed; the client stopped reconnecting.")]
    public static partial void SupervisorFailed(this ILogger logger, Exception error);

    [LoggerMessage(200, LogLevel.Information, "Gap in {ConversationId}: have up to {Cursor}, received {Seq}; filling it.")]
    public static partial void GapDetected(this ILogger logger, string conversationId, long cursor, long seq);

    [LoggerMessage(201, LogLevel.Warning, "Filling the gap in {ConversationId} from history failed; asking the server to sync.")]
    public static partial void GapFillFailed(this ILogger logger, string conversationId, Exception error);

    [LoggerMessage(202, LogLevel.Debug, "Filling the gap in {ConversationId} stopped by disposal.")]
    public static partial void GapFillStopped(this ILogger logger, string conversationId);

    [LoggerMessage(203, LogLevel.Debug, "Dropped duplicate {MessageId} ({ConversationId} seq {Seq}).")]
    public static partial void DuplicateDropped(this ILogger logger, string conversationId, long seq, string messageId);

    [LoggerMessage(204, LogLevel.Warning, "Acknowledging {Count} messages failed; they are kept for the next flush.")]
    public static partial void AckFailed(this ILogger logger, int count, Exception error);

    [LoggerMessage(205, LogLevel.Debug, "Acknowledgement flush cancelled by disposal.")]
    public static partial void AckFlushCancelled(this ILogger logger);

    [LoggerMessage(300, LogLevel.Debug, "Wrote message {ClientMsgId} on connection {Generation}.")]
    public static partial void MessageWritten(this ILogger logger, string clientMsgId, long generation);

    [LoggerMessage(301, LogLevel.Warning, "Server error {Code}: {Message} (client_msg_id {ClientMsgId}).")]
    public static partial void ServerError(this ILogger logger, string code, string message, string? clientMsgId);

    [LoggerMessage(302, LogLevel.Debug, "Sending the automatic typing stop for {ConversationId} failed.")]
    public static partial void TypingStopFailed(this ILogger logger, string conversationId, Exception error);

    [LoggerMessage(303, LogLevel.Debug, "Outbox retry cancelled by disposal.")]
    public static partial void OutboxRetryCancelled(this ILogger logger);

    [LoggerMessage(400, LogLevel.Error, "A {EventName} handler threw; the client carries on.")]
    public static partial void EventHandlerFailed(this ILogger logger, string eventName, Exception error);
}
