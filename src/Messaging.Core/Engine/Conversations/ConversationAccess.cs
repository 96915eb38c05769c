namespace Messaging;

/// <summary>
/// Authorisation of conversation access: a conversation that does not exist and one the caller is not a member of
/// fail identically, so nobody learns which conversations exist.
/// </summary>
/// <remarks>
/// Direct conversations are remembered node-locally once read (a <see cref="GenerationalMemory{TKey, TValue}"/> of
/// two generations of at most <see cref="DirectRememberedPerGeneration"/> entries), so a 1:1 send or ack reads no
/// conversation from the store. That is correct without any invalidation: a direct conversation's members are fixed at
/// creation (membership changes are refused for it) and conversations are never deleted, so the record read once is
/// the record for good. Groups, whose members change, are read every time.
/// </remarks>
internal sealed class ConversationAccess(IConversationStore conversations)
{
    /// <summary>The one message of every "not found or not a member" failure.</summary>
    public const string NotFoundMessage = "Conversation not found.";

    /// <summary>How many direct conversations one generation of the node-local memory holds.</summary>
    internal const int DirectRememberedPerGeneration = 65_536;

    private readonly GenerationalMemory<string, Conversation> _direct = new(DirectRememberedPerGeneration);

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

        if (!_direct.TryGet(conversationId, out var conversation))
        {
            conversation = await conversations.GetAsync(conversationId, cancellationToken).ConfigureAwait(false);
            if (conversation is { Kind: ConversationKind.Direct })
            {
                _direct.Remember(conversation.Id, conversation);
            }
        }

        if (conversation is null || !conversation.IsMember(userId))
        {
            throw new MessagingNotFoundException(NotFoundMessage);
        }

        return conversation;
    }
}
