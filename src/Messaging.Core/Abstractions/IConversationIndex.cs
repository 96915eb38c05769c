namespace Messaging;

/// <summary>
/// Each user's conversations ordered by activity. Guarantee: recording a message's activity is one write for the
/// conversation, never one per member; a user's list is the conversations the user is a member of (the memberships the
/// paired <see cref="IConversationStore"/> records), ordered by each conversation's last activity, most recent first
/// (ties by id; the bundled adapters order when read); a conversation's last seq and activity time never move
/// backwards.
/// </summary>
/// <remarks>
/// The index reads the memberships its conversation store writes, so both roles come from one adapter (an adapter's
/// conversation store may implement this role itself). Listing is one batch: it reads the user's memberships and the
/// activities of those conversations in a bounded number of round trips, whatever their number.
/// </remarks>
public interface IConversationIndex
{
    /// <summary>Records activity: the conversation's last seq and time move forward (never backwards).</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="seq">The seq of the new message.</param>
    /// <param name="timestamp">The time of the new message.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when recorded.</returns>
    ValueTask TouchAsync(string conversationId, long seq, DateTimeOffset timestamp, CancellationToken cancellationToken = default);

    /// <summary>A user's conversations, most recent activity first (ties by id).</summary>
    /// <param name="userId">The member.</param>
    /// <param name="limit">Maximum number of conversations.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The conversations with their last seq and activity time (<see cref="ConversationActivity.LeftAtSeq"/> is null).</returns>
    ValueTask<IReadOnlyList<ConversationActivity>> ListForUserAsync(string userId, int limit, CancellationToken cancellationToken = default);
}
