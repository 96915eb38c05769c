using Microsoft.Extensions.Logging;

namespace Messaging;

/// <summary>
/// The engine's log messages, source-generated. Event ids are stable (dashboards and alerts key on them): 1000s
/// lifecycle, 1100s send, 1200s delivery and connections, 1300s receipts, 1400s presence, 1500s membership, 1550s the
/// event log, 1650s the tiered message store's hot window. Message content is never logged.
/// </summary>
internal static partial class MessagingLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Messaging engine started on node '{NodeId}'.")]
    public static partial void EngineStarted(this ILogger logger, string nodeId);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Messaging engine stopped on node '{NodeId}'.")]
    public static partial void EngineStopped(this ILogger logger, string nodeId);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "Background loop '{Loop}' failed; it runs again at its next interval.")]
    public static partial void BackgroundLoopFailed(this ILogger logger, string loop, Exception exception);

    [LoggerMessage(EventId = 1100, Level = LogLevel.Warning, Message = "Append of seq {Seq} in conversation '{ConversationId}' failed (attempt {Attempt}).")]
    public static partial void AppendFailed(this ILogger logger, string conversationId, long seq, int attempt, Exception exception);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Error, Message = "Seq {Seq} of conversation '{ConversationId}' could not be used and was filled with a tombstone.")]
    public static partial void SeqTombstoned(this ILogger logger, string conversationId, long seq);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Critical, Message = "The tombstone for seq {Seq} of conversation '{ConversationId}' could not be written; readers skip the hole after a delay.")]
    public static partial void TombstoneFailed(this ILogger logger, string conversationId, long seq, Exception exception);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Seq {Seq} of conversation '{ConversationId}' was taken in the store; the sequencer was fenced to {LastSeq}.")]
    public static partial void SequencerFenced(this ILogger logger, string conversationId, long seq, long lastSeq);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "After committing seq {Seq} of conversation '{ConversationId}', the {Step} step failed; receivers recover by catch-up.")]
    public static partial void PostCommitStepFailed(this ILogger logger, string step, string conversationId, long seq, Exception exception);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Push notification to user '{RecipientId}' for conversation '{ConversationId}' failed.")]
    public static partial void PushFailed(this ILogger logger, string recipientId, string conversationId, Exception exception);

    [LoggerMessage(EventId = 1200, Level = LogLevel.Debug, Message = "User '{UserId}' connected device '{DeviceId}' as connection '{ConnectionId}'.")]
    public static partial void ClientConnected(this ILogger logger, string userId, string deviceId, string connectionId);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Debug, Message = "User '{UserId}' disconnected device '{DeviceId}' (connection '{ConnectionId}').")]
    public static partial void ClientDisconnected(this ILogger logger, string userId, string deviceId, string connectionId);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Connection '{ConnectionId}' of user '{UserId}' aborted: {Reason}.")]
    public static partial void ConnectionAborted(this ILogger logger, string connectionId, string userId, string reason);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "A call on connection '{ConnectionId}' failed.")]
    public static partial void ConnectionCallFailed(this ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "A delivery step of connection '{ConnectionId}' failed; delivery continues.")]
    public static partial void DeliveryItemFailed(this ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Warning, Message = "Reading conversation '{ConversationId}' for user '{UserId}' device '{DeviceId}' failed; retried later.")]
    public static partial void DeliveryStoreFailed(this ILogger logger, string userId, string deviceId, string conversationId, Exception exception);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Error, Message = "Seqs {FromSeq}..{ToSeq} of conversation '{ConversationId}' never appeared; user '{UserId}' device '{DeviceId}' skipped them.")]
    public static partial void GapSkipped(this ILogger logger, string userId, string deviceId, string conversationId, long fromSeq, long toSeq);

    [LoggerMessage(EventId = 1207, Level = LogLevel.Warning, Message = "Removing follow records of node '{NodeId}' from the directory failed; they expire with the node.")]
    public static partial void UnfollowFailed(this ILogger logger, string nodeId, Exception exception);

    [LoggerMessage(EventId = 1208, Level = LogLevel.Warning, Message = "Re-evaluating the read-path interest in conversation '{ConversationId}' after a membership change failed.")]
    public static partial void RouteFailed(this ILogger logger, string conversationId, Exception exception);

    [LoggerMessage(EventId = 1211, Level = LogLevel.Warning, Message = "A malformed envelope of {Length} bytes in the inbox of node '{NodeId}' was dropped.")]
    public static partial void MalformedEnvelope(this ILogger logger, string nodeId, int length, Exception exception);

    [LoggerMessage(EventId = 1212, Level = LogLevel.Warning, Message = "Closing the backplane inbox of node '{NodeId}' failed.")]
    public static partial void InboxCloseFailed(this ILogger logger, string nodeId, Exception exception);

    [LoggerMessage(EventId = 1214, Level = LogLevel.Information, Message = "Node '{NodeId}' resumed its backplane inbox after position {Position} (none: from the oldest payload kept).")]
    public static partial void InboxResumed(this ILogger logger, string nodeId, long? position);

    [LoggerMessage(EventId = 1215, Level = LogLevel.Warning, Message = "Committing position {Position} of the backplane inbox of node '{NodeId}' failed; the next commit records a later one.")]
    public static partial void InboxCommitFailed(this ILogger logger, string nodeId, long position, Exception exception);

    [LoggerMessage(EventId = 1213, Level = LogLevel.Warning, Message = "Recording the connections and follows of node '{NodeId}' again after a backplane recovery failed; they are recorded again at the next recovery or reconnect.")]
    public static partial void DirectoryRestoreFailed(this ILogger logger, string nodeId, Exception exception);

    [LoggerMessage(EventId = 1209, Level = LogLevel.Warning, Message = "The {Step} step of connection '{ConnectionId}' failed.")]
    public static partial void ConnectionStepFailed(this ILogger logger, string step, string connectionId, Exception exception);

    [LoggerMessage(EventId = 1210, Level = LogLevel.Information, Message = "The backplane of node '{NodeId}' restored its inbox; refilling {ConnectionCount} local connections from the store.")]
    public static partial void BackplaneRecovered(this ILogger logger, string nodeId, int connectionCount);

    [LoggerMessage(EventId = 1218, Level = LogLevel.Debug, Message = "The history of conversation '{ConversationId}' starts at seq {HistoryStart}; user '{UserId}' device '{DeviceId}' moved past the removed seqs from {FromSeq}.")]
    public static partial void HistorySkipped(this ILogger logger, string userId, string deviceId, string conversationId, long fromSeq, long historyStart);

    [LoggerMessage(EventId = 1300, Level = LogLevel.Warning, Message = "Publishing a receipt status for seq {Seq} of conversation '{ConversationId}' failed.")]
    public static partial void StatusPublishFailed(this ILogger logger, string conversationId, long seq, Exception exception);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Publishing the receipt statuses held for user '{UserId}' in conversation '{ConversationId}' failed.")]
    public static partial void HeldStatusesFailed(this ILogger logger, string conversationId, string userId, Exception exception);

    [LoggerMessage(EventId = 1400, Level = LogLevel.Warning, Message = "Publishing the presence of user '{UserId}' failed.")]
    public static partial void PresencePublishFailed(this ILogger logger, string userId, Exception exception);

    [LoggerMessage(EventId = 1500, Level = LogLevel.Warning, Message = "Announcing that user '{UserId}' joined or left conversation '{ConversationId}' failed; nodes catch up on the next change.")]
    public static partial void MembershipPublishFailed(this ILogger logger, string conversationId, string userId, Exception exception);

    [LoggerMessage(EventId = 1550, Level = LogLevel.Warning, Message = "Appending {Count} events of conversation '{ConversationId}' to the event log failed; they are appended again after the retry interval.")]
    public static partial void EventLogAppendFailed(this ILogger logger, string conversationId, int count, Exception exception);

    [LoggerMessage(EventId = 1551, Level = LogLevel.Information, Message = "The event log takes the events of conversation '{ConversationId}' again.")]
    public static partial void EventLogRecovered(this ILogger logger, string conversationId);

    [LoggerMessage(EventId = 1552, Level = LogLevel.Warning, Message = "A {EventType} of conversation '{ConversationId}' was not appended to the event log: its buffer is full while the log fails.")]
    public static partial void EventLogEventDropped(this ILogger logger, string conversationId, string eventType);

    [LoggerMessage(EventId = 1553, Level = LogLevel.Warning, Message = "Node '{NodeId}' stopped with {Count} event log entries not appended.")]
    public static partial void EventLogAbandoned(this ILogger logger, string nodeId, int count);

    [LoggerMessage(EventId = 1650, Level = LogLevel.Warning, Message = "Writing seq {Seq} of conversation '{ConversationId}' to the hot window failed; it is read from the durable store until a read writes it back.")]
    public static partial void HotWindowWriteFailed(this ILogger logger, string conversationId, long seq, Exception exception);

    [LoggerMessage(EventId = 1651, Level = LogLevel.Warning, Message = "Reading conversation '{ConversationId}' from the hot window failed; the durable store answered.")]
    public static partial void HotWindowReadFailed(this ILogger logger, string conversationId, Exception exception);
}
