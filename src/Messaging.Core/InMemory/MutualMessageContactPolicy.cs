namespace Messaging;

/// <summary>
/// The default <see cref="IContactPolicy"/>: two users are contacts once each of them has sent the other a message in
/// their direct conversation (recorded by the engine in the <see cref="IContactStore"/>). Creating a conversation
/// with someone, or adding them to a group, never makes anyone a contact: it takes the subject's own message. A user
/// is always their own contact.
/// </summary>
/// <remarks>
/// One <see cref="IContactStore.AreContactsAsync"/> look-up per question, whatever the number of conversations of
/// either user. Thread-safe when the store is.
/// </remarks>
public sealed class MutualMessageContactPolicy : IContactPolicy
{
    private readonly IContactStore _contacts;

    /// <summary>Creates the policy.</summary>
    /// <param name="contacts">Where the engine records who sent whom a direct message.</param>
    public MutualMessageContactPolicy(IContactStore contacts)
    {
        ArgumentNullException.ThrowIfNull(contacts);
        _contacts = contacts;
    }

    /// <inheritdoc />
    public ValueTask<bool> IsContactAsync(string subjectId, string viewerId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subjectId);
        ArgumentException.ThrowIfNullOrEmpty(viewerId);
        return string.Equals(subjectId, viewerId, StringComparison.Ordinal)
            ? ValueTask.FromResult(true)
            : _contacts.AreContactsAsync(subjectId, viewerId, cancellationToken);
    }
}
