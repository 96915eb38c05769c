namespace Messaging;

/// <summary>
/// The default <see cref="IContactPolicy"/>: two users are contacts when they share a conversation (direct or group).
/// A user is always their own contact.
/// </summary>
/// <remarks>
/// Looks up the pair's direct conversation first, then scans the subject's conversation index, so the cost grows with
/// the number of conversations of the subject. Thread-safe when the store is.
/// </remarks>
public sealed class SharedConversationContactPolicy : IContactPolicy
{
    private readonly IConversationStore _conversations;

    /// <summary>Creates the policy.</summary>
    /// <param name="conversations">Where conversations and their members are read.</param>
    public SharedConversationContactPolicy(IConversationStore conversations)
    {
        ArgumentNullException.ThrowIfNull(conversations);
        _conversations = conversations;
    }

    /// <inheritdoc />
    public async ValueTask<bool> IsContactAsync(string subjectId, string viewerId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subjectId);
        ArgumentException.ThrowIfNullOrEmpty(viewerId);
        if (string.Equals(subjectId, viewerId, StringComparison.Ordinal))
        {
            return true;
        }

        var direct = await _conversations.GetAsync(ConversationIds.Direct(subjectId, viewerId), cancellationToken).ConfigureAwait(false);
        if (direct is not null && direct.IsMember(subjectId) && direct.IsMember(viewerId))
        {
            return true;
        }

        var shared = await _conversations.ListForUserAsync(subjectId, int.MaxValue, cancellationToken).ConfigureAwait(false);
        return shared.Any(activity => activity.Conversation.IsMember(viewerId));
    }
}
