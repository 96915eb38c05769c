namespace Messaging;

/// <summary>Pages of a conversation's history for members (tombstones are never returned).</summary>
internal sealed class MessageHistory(IMessageStore store, ConversationAccess access)
{
    /// <summary>Reads one page.</summary>
    /// <param name="userId">The authenticated caller.</param>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="page">Which page.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Newest first with <see cref="MessagePage.Before"/> or neither bound; ascending with <see cref="MessagePage.After"/>.</returns>
    public async ValueTask<IReadOnlyList<Message>> GetAsync(string userId, string conversationId, MessagePage page, CancellationToken cancellationToken)
    {
        var conversation = await access.RequireMemberAsync(conversationId, userId, cancellationToken).ConfigureAwait(false);
        Validate(page);
        var messages = page.After is { } after
            ? await store.ReadAfterAsync(conversation.Id, after, page.Limit, cancellationToken).ConfigureAwait(false)
            : await store.ReadBeforeAsync(conversation.Id, page.Before ?? long.MaxValue, page.Limit, cancellationToken).ConfigureAwait(false);
        return messages.Any(m => m.Kind == MessageKind.Tombstone) ? [.. messages.Where(m => m.Kind != MessageKind.Tombstone)] : messages;
    }

    private static void Validate(MessagePage page)
    {
        if (page.Limit is < 1 or > EngineLimits.MaxPageSize)
        {
            throw Validation.BadRequest($"limit must be between 1 and {EngineLimits.MaxPageSize}.");
        }

        if (page.Before is not null && page.After is not null)
        {
            throw Validation.BadRequest("Give before or after, not both.");
        }

        if (page.Before is < 1)
        {
            throw Validation.BadRequest("before must be at least 1.");
        }

        if (page.After is < 0)
        {
            throw Validation.BadRequest("after must not be negative.");
        }
    }
}
