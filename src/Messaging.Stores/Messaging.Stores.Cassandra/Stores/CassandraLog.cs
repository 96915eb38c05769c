using Microsoft.Extensions.Logging;

namespace Messaging.Stores.Cassandra;

// The log events of the stores and the schema step (event ids 1740 to 1759; the client uses 1700 to 1739).
internal static partial class CassandraLog
{
    [LoggerMessage(EventId = 1740, Level = LogLevel.Information, Message = "Cassandra schema step: {Statement}")]
    public static partial void SchemaStatement(ILogger logger, string statement);

    [LoggerMessage(EventId = 1741, Level = LogLevel.Information, Message = "Cassandra stores connected: {Options}")]
    public static partial void Connected(ILogger logger, string options);

    [LoggerMessage(EventId = 1742, Level = LogLevel.Debug, Message = "A Cassandra membership change of {ConversationId} lost its race for version {Version}; reading it again")]
    public static partial void MembershipRetry(ILogger logger, string conversationId, long version);

    [LoggerMessage(EventId = 1743, Level = LogLevel.Warning, Message = "A Cassandra lightweight transaction timed out in its Paxos round (attempt {Attempt}); running it again to learn its outcome: {Cql}")]
    public static partial void ConditionalTimeout(ILogger logger, int attempt, string cql);

    [LoggerMessage(EventId = 1744, Level = LogLevel.Warning, Message = "The Cassandra sequencer's compare-and-set on {ConversationId} ended without a known outcome ({Reason}); reading the counter at the serial consistency to settle it")]
    public static partial void SequencerOutcomeUnknown(ILogger logger, string conversationId, string reason);

    [LoggerMessage(EventId = 1745, Level = LogLevel.Warning, Message = "The Cassandra sequencer gave up on {ConversationId} after {Attempts} rounds lost to other writers")]
    public static partial void SequencerContention(ILogger logger, string conversationId, int attempts);
}
