namespace Messaging;

/// <summary>
/// The default <see cref="IMessageIdGenerator"/>: UUIDv7 (RFC 9562) stamped with the <see cref="TimeProvider"/>'s
/// time, formatted as 36 lower-case characters with hyphens (for example <c>0190f1c2-7a3b-7c4d-8e5f-0123456789ab</c>).
/// </summary>
/// <remarks>
/// Ids sort by their millisecond timestamp; ids from the same millisecond are unique (74 random bits) but in random
/// order, so order messages by seq, never by id. Thread-safe.
/// </remarks>
public sealed class UuidV7MessageIdGenerator : IMessageIdGenerator
{
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the generator.</summary>
    /// <param name="timeProvider">The clock whose time is embedded in each id.</param>
    public UuidV7MessageIdGenerator(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
    }

    /// <inheritdoc />
    public string NewMessageId() => Guid.CreateVersion7(_timeProvider.GetUtcNow()).ToString("D");
}
