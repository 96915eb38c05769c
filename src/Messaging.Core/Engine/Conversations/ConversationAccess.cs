namespace Messaging;

/// <summary>
/// Authorisation of conversation access: a conversation that does not exist and one the caller is not a member of
/// fail identically, so nobody learns which conversations exist.
/// </summary>
internal sealed class ConversationAccess(IConversationStore conversations)
{
    /// <summary>The one message of every "not found or not a member" failure.</summary>
    public const string NotFoundMessage = "Conversation not found.";

    /// <summary>The conversation, when <paramref name="userId"/> is a member of it.</summary>
    /// <param name="conversationId">The conversation id, as the client sent it.</param>
    /// <param name="userId">The authenticated caller.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The conversation.</returns>
    /// <exception cref="MessagingNotFoundException">It does not exist or the caller is not a member.</exception>
    public async ValueTask<Conversation> RequireMemberAsync(string? conversationId, string userId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(conversationId) || conversationId.Length > EngineLimits.MaxIdLength)
        {
            throw new MessagingNotFoundException(NotFoundMessage);
        }

        var conversation = await conversations.GetAsync(conversationId, cancellationToken).ConfigureAwait(false);
        if (conversation is null || !conversation.IsMember(userId))
        {
            throw new MessagingNotFoundException(NotFoundMessage);
        }

        return conversation;
    }
}
