namespace Messaging;

/// <summary>An <see cref="IMessageIdIndex"/> held in process memory.</summary>
/// <remarks>Limits: one process only; lost on restart; entries live as long as the store, like the in-memory messages.</remarks>
public sealed class InMemoryMessageIdIndex : IMessageIdIndex
{
    private readonly StripedDictionary<string, MessageLocation> _locations = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask AddAsync(string messageId, MessageLocation location, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentNullException.ThrowIfNull(location.ConversationId, nameof(location));
        cancellationToken.ThrowIfCancellationRequested();
        Add(messageId, location);
        return ValueTask.CompletedTask;
    }

    // Records an entry (for InMemoryMessageStore's atomic step too).
    internal void Add(string messageId, MessageLocation location) => _locations.Set(messageId, location);

    /// <inheritdoc />
    public ValueTask<MessageLocation?> FindAsync(string messageId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_locations.TryGetValue(messageId, out var location) ? location : (MessageLocation?)null);
    }
}
