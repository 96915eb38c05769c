namespace Messaging;

/// <summary>
/// Builds <see cref="ConversationView"/>s: last seq, where the kept history starts, the viewer's unread count (of
/// messages that still exist) and the last visible message.
/// </summary>
internal sealed class ConversationViews(EngineContext context)
{
    // Tombstones are never shown; look a little further back for the last real message.
    private const int LastMessageLookBack = 8;

    /// <summary>The view of a conversation, reading its last seq from the message store.</summary>
    /// <param name="conversation">The conversation.</param>
    /// <param name="viewerId">The member looking.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The view.</returns>
    public async ValueTask<ConversationView> BuildAsync(Conversation conversation, string viewerId, CancellationToken cancellationToken)
    {
        var lastSeq = await context.Messages.GetLastSeqAsync(conversation.Id, cancellationToken).ConfigureAwait(false);
        return await BuildAsync(new ConversationActivity(conversation, lastSeq, conversation.CreatedAt), viewerId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The view of a conversation from its index entry.</summary>
    /// <param name="activity">The conversation with its last seq and activity time.</param>
    /// <param name="viewerId">The member looking.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The view.</returns>
    public async ValueTask<ConversationView> BuildAsync(ConversationActivity activity, string viewerId, CancellationToken cancellationToken)
    {
        var conversation = activity.Conversation;
        var mark = await context.Receipts.GetUserAsync(conversation.Id, viewerId, cancellationToken).ConfigureAwait(false);
        Message? lastMessage = null;
        long historyStart = 1;
        if (activity.LastSeq > 0)
        {
            // Both reads are issued before either is awaited, so a remote store answers them in one round trip.
            var historyStartRead = context.Messages.GetHistoryStartAsync(conversation.Id, cancellationToken);
            var newest = await context.Messages.ReadBeforeAsync(conversation.Id, long.MaxValue, LastMessageLookBack, cancellationToken).ConfigureAwait(false);
            historyStart = await historyStartRead.ConfigureAwait(false);
            lastMessage = newest.FirstOrDefault(m => m.Kind != MessageKind.Tombstone);
        }

        var lastSeq = Math.Max(activity.LastSeq, lastMessage?.Seq ?? 0);
        var lastActivity = lastMessage is { } last && last.Timestamp > activity.LastActivity ? last.Timestamp : activity.LastActivity;
        // Seqs below the history start are gone: nobody can read them, so they are not unread either.
        var unread = Math.Max(0, lastSeq - Math.Max(mark.ReadUpTo, historyStart - 1));
        return new ConversationView(conversation, lastSeq, unread, lastMessage, lastActivity) { HistoryStartSeq = historyStart };
    }
}
