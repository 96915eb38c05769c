using Microsoft.Extensions.Logging;

namespace Messaging;

/// <summary>
/// The default <see cref="IPushNotifier"/>: sends nothing, only logs (at debug level) that a member without a live
/// connection would have been notified. Hosts replace it with an FCM/APNs notifier.
/// </summary>
/// <remarks>The log names the recipient, conversation and message ids, never the content. Thread-safe.</remarks>
public sealed partial class LoggingPushNotifier : IPushNotifier
{
    private readonly ILogger<LoggingPushNotifier> _logger;

    /// <summary>Creates the notifier.</summary>
    /// <param name="logger">Where the notifications are logged.</param>
    public LoggingPushNotifier(ILogger<LoggingPushNotifier> logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;
    }

    /// <summary>Whether a notification would be logged at all (its category is enabled at <see cref="LogLevel.Debug"/>).</summary>
    public bool IsEnabled => _logger.IsEnabled(LogLevel.Debug);

    /// <inheritdoc />
    public ValueTask NotifyAsync(PushNotification notification, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notification);
        LogPushNotification(_logger, notification.RecipientId, notification.Message.ConversationId, notification.Message.MessageId);
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 903, Level = LogLevel.Debug, Message = "Push notification for user '{RecipientId}': message {MessageId} in conversation '{ConversationId}' (no push provider configured).")]
    private static partial void LogPushNotification(ILogger logger, string recipientId, string conversationId, string messageId);
}
