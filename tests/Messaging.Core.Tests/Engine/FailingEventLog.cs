namespace Messaging.Tests.Engine;

/// <summary>An <see cref="IEventLog"/> decorator over the in-memory log whose appends fail while <see cref="Failing"/> is set.</summary>
internal sealed class FailingEventLog : IEventLog
{
    private int _failures;

    public InMemoryEventLog Inner { get; } = new();

    /// <summary>Whether appends fail now.</summary>
    public volatile bool Failing;

    /// <summary>How many appends failed so far.</summary>
    public int Failures => Volatile.Read(ref _failures);

    public ValueTask AppendAsync(IReadOnlyList<LogEvent> events, CancellationToken cancellationToken = default)
    {
        if (Failing)
        {
            Interlocked.Increment(ref _failures);
            throw new MessagingBackendException("The event log is down.", new IOException("Injected append failure."));
        }

        return Inner.AppendAsync(events, cancellationToken);
    }

    public ValueTask<long> GetEndAsync(string conversationId, CancellationToken cancellationToken = default) => Inner.GetEndAsync(conversationId, cancellationToken);

    public ValueTask<IReadOnlyList<LoggedEvent>> ReadAsync(string conversationId, long afterPosition, int limit, CancellationToken cancellationToken = default)
        => Inner.ReadAsync(conversationId, afterPosition, limit, cancellationToken);
}
