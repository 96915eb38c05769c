namespace Messaging;

/// <summary>A conversation as one user sees it: with its last seq, the user's unread count and the last message.</summary>
/// <param name="Conversation">The conversation and its members.</param>
/// <param name="LastSeq">The conversation's highest seq (0 when it has no message).</param>
/// <param name="UnreadCount">
/// <c>LastSeq - max(read_upto, HistoryStartSeq - 1)</c> of the viewing user (never negative): every seq that still
/// exists counts, including system messages; seqs removed from the store (below <see cref="HistoryStartSeq"/>) do not.
/// </param>
/// <param name="LastMessage">The newest message users can see, or <see langword="null"/> when there is none.</param>
/// <param name="LastActivity">When the last message was sent, or the creation time.</param>
public sealed record ConversationView(Conversation Conversation, long LastSeq, long UnreadCount, Message? LastMessage, DateTimeOffset LastActivity)
{
    /// <summary>
    /// The first seq of the history the message store still holds (<see cref="IMessageStore.GetHistoryStartAsync"/>):
    /// 1 unless a configured retention removed older messages; history and catch-up never return a seq below it.
    /// </summary>
    public long HistoryStartSeq { get; init; } = 1;
}

/// <summary>The result of creating a direct conversation, which is idempotent.</summary>
/// <param name="View">The conversation as the caller sees it.</param>
/// <param name="Created"><see langword="true"/> when this call created it, <see langword="false"/> when it already existed.</param>
public sealed record ConversationCreation(ConversationView View, bool Created);
