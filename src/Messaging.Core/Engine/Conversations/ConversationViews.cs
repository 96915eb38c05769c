namespace Messaging;

/// <summary>
/// Builds <see cref="ConversationView"/>s: last seq, where the kept history starts, the viewer's unread count (of
/// messages that still exist) and the last visible message.
/// </summary>
/// <param name="messages">The message store (last seq, newest messages, history start).</param>
/// <param name="receipts">The receipt store (the viewer's read marks).</param>
internal sealed class ConversationViews(IMessageStore messages, IReceiptStore receipts)
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
        var lastSeq = await messages.GetLastSeqAsync(conversation.Id, cancellationToken).ConfigureAwait(false);
        var views = await BuildManyAsync([new ConversationActivity(conversation, lastSeq, conversation.CreatedAt)], viewerId, cancellationToken).ConfigureAwait(false);
        return views[0];
    }

    /// <summary>
    /// The views of several conversations from their index entries: the viewer's marks are one batch read, and every
    /// message read is issued before any is awaited, so a remote store answers a whole page in a bounded number of
    /// round trips.
    /// </summary>
    /// <param name="activities">The conversations with their last seq and activity time.</param>
    /// <param name="viewerId">The member looking.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The views, in the order of <paramref name="activities"/>.</returns>
    public async ValueTask<IReadOnlyList<ConversationView>> BuildManyAsync(IReadOnlyList<ConversationActivity> activities, string viewerId, CancellationToken cancellationToken)
    {
        if (activities.Count == 0)
        {
            return [];
        }

        var ids = new string[activities.Count];
        var reads = new (Task<long> HistoryStart, Task<IReadOnlyList<Message>> Newest)?[activities.Count];
        for (var i = 0; i < activities.Count; i++)
        {
            var id = ids[i] = activities[i].Conversation.Id;
            if (activities[i].LastSeq > 0)
            {
                reads[i] = (messages.GetHistoryStartAsync(id, cancellationToken).AsTask(), messages.ReadBeforeAsync(id, long.MaxValue, LastMessageLookBack, cancellationToken).AsTask());
            }
        }

        var marks = await receipts.GetUserManyAsync(viewerId, ids, cancellationToken).ConfigureAwait(false);
        var views = new ConversationView[activities.Count];
        for (var i = 0; i < activities.Count; i++)
        {
            var activity = activities[i];
            Message? lastMessage = null;
            long historyStart = 1;
            if (reads[i] is { } read)
            {
                var newest = await read.Newest.ConfigureAwait(false);
                historyStart = await read.HistoryStart.ConfigureAwait(false);
                lastMessage = newest.FirstOrDefault(m => m.Kind != MessageKind.Tombstone);
            }

            var lastSeq = Math.Max(activity.LastSeq, lastMessage?.Seq ?? 0);
            var lastActivity = lastMessage is { } last && last.Timestamp > activity.LastActivity ? last.Timestamp : activity.LastActivity;

            // Seqs below the history start are gone: nobody can read them, so they are not unread either.
            var unread = Math.Max(0, lastSeq - Math.Max(marks[i].ReadUpTo, historyStart - 1));
            views[i] = new ConversationView(activity.Conversation, lastSeq, unread, lastMessage, lastActivity) { HistoryStartSeq = historyStart };
        }

        return views;
    }
}
