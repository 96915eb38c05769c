namespace Messaging;

/// <summary>
/// The durable log of what was committed, for consumers downstream of the gateways (a push worker, search, analytics):
/// messages (tombstones and system messages included), membership changes and receipt advances, keyed by conversation
/// id. Guarantee: events of one conversation read back in the order they were appended, each event at least once (an
/// append that failed may have been partly written, and the engine appends it again).
/// </summary>
/// <remarks>
/// The engine appends after the commit and after the post-commit writes, from one ordered lane per conversation, so a
/// conversation's messages reach the log in seq order. An append that throws is retried by the engine (see
/// <c>docs/event-log.md</c>); an adapter never drops an event silently. No default is registered: a host opts in with
/// an adapter (<c>UseInMemoryEventLog()</c>, or Kafka's <c>UseKafkaEventLog(...)</c>).
/// </remarks>
public interface IEventLog
{
    /// <summary>Appends events of one conversation, in order.</summary>
    /// <param name="events">The events, all of the same conversation, in the order they happened.</param>
    /// <param name="cancellationToken">Cancels the wait (events handed over before may still be written).</param>
    /// <returns>A task that completes when every event is durable in the log.</returns>
    /// <exception cref="MessagingBackendException">The log could not take the events; some of them may have been written.</exception>
    ValueTask AppendAsync(IReadOnlyList<LogEvent> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// The end of a conversation's events: every event appended later has a position at or after it, so reading after
    /// <c>end - 1</c> returns only what comes next.
    /// </summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The position after the newest event (on Kafka, the high watermark of the conversation's partition).</returns>
    ValueTask<long> GetEndAsync(string conversationId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads one conversation's events in log order, after a position. Meant for tools, tests and reconciliation:
    /// downstream services read the log with their own consumers (on Kafka, a consumer group on the topic).
    /// </summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="afterPosition">The position of the last event already read, or <c>-1</c> to read from the oldest retained one.</param>
    /// <param name="limit">How many events at most (at least 1).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The events with their positions, which increase within a conversation; empty at the end of the log.</returns>
    ValueTask<IReadOnlyList<LoggedEvent>> ReadAsync(string conversationId, long afterPosition, int limit, CancellationToken cancellationToken = default);
}
