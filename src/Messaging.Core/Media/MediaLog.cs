using Microsoft.Extensions.Logging;

namespace Messaging;

/// <summary>Log messages of media uploads (event ids 1600s). File names and bytes are never logged.</summary>
internal static partial class MediaLog
{
    [LoggerMessage(EventId = 1600, Level = LogLevel.Debug, Message = "User '{UserId}' created upload '{MediaId}' of {Length} bytes ({ContentType}).")]
    public static partial void UploadCreated(this ILogger logger, string userId, string mediaId, long length, string contentType);

    [LoggerMessage(EventId = 1601, Level = LogLevel.Information, Message = "Upload '{MediaId}' completed ({Length} bytes).")]
    public static partial void UploadCompleted(this ILogger logger, string mediaId, long length);

    [LoggerMessage(EventId = 1602, Level = LogLevel.Warning, Message = "Upload '{MediaId}' of user '{UserId}' was rejected and deleted: {Reason}")]
    public static partial void UploadRejected(this ILogger logger, string mediaId, string userId, string reason);

    [LoggerMessage(EventId = 1603, Level = LogLevel.Information, Message = "Upload '{MediaId}' expired ({Reason}) and was deleted.")]
    public static partial void UploadExpired(this ILogger logger, string mediaId, string reason);

    [LoggerMessage(EventId = 1604, Level = LogLevel.Warning, Message = "Deleting upload '{MediaId}' failed; the expiry sweep retries.")]
    public static partial void UploadDeleteFailed(this ILogger logger, string mediaId, Exception exception);

    [LoggerMessage(EventId = 1605, Level = LogLevel.Information, Message = "User '{UserId}' is over the media quota ({PendingBytes} of {QuotaBytes} bytes pending); an upload was refused.")]
    public static partial void QuotaExceeded(this ILogger logger, string userId, long pendingBytes, long quotaBytes);

    [LoggerMessage(EventId = 1606, Level = LogLevel.Error, Message = "Expired upload '{MediaId}' was removed from the catalog but deleting its bytes failed.")]
    public static partial void ExpiredBlobDeleteFailed(this ILogger logger, string mediaId, Exception exception);
}
