namespace Messaging;

/// <summary>
/// Conversations, their members and the departures of former members (each user's list ordered by activity is the
/// <see cref="IConversationIndex"/> role). Guarantee: creating a direct conversation is
/// idempotent (one conversation per pair); membership changes are atomic per conversation, with the member limit, and report whether they took effect; a removed member's
/// departure (the seq up to which they may still receive messages) is kept until they are added again.
/// </summary>
public interface IConversationStore
{
    /// <summary>Creates the conversation unless one with the same id exists.</summary>
    /// <param name="conversation">The conversation to create.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The stored conversation and whether this call created it.</returns>
    ValueTask<(Conversation Conversation, bool Created)> CreateAsync(Conversation conversation, CancellationToken cancellationToken = default);

    /// <summary>Gets a conversation by id.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The conversation, or <see langword="null"/>.</returns>
    ValueTask<Conversation?> GetAsync(string conversationId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds a member unless the user already is one or the conversation already has <paramref name="maxMembers"/>
    /// members, deciding both in one atomic step; a recorded departure of the user is forgotten.
    /// </summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="member">The new member.</param>
    /// <param name="maxMembers">The most members the conversation may have after the addition (at least 1).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>
    /// The change (<see cref="MembershipOutcome.Changed"/> only for the call that added the user), or
    /// <see langword="null"/> when the conversation does not exist.
    /// </returns>
    ValueTask<MembershipChange?> AddMemberAsync(string conversationId, ConversationMember member, int maxMembers, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes a member and records the departure (no-op when not a member): the user is listed by
    /// <see cref="ListDepartedAsync"/> with <paramref name="leftAtSeq"/> until added again. When the removed member was
    /// the last admin, the remaining member who joined first becomes admin in the same atomic step.
    /// </summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="userId">The member to remove.</param>
    /// <param name="leftAtSeq">The last seq the user may still receive (see <see cref="AdvanceDepartureAsync"/>).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>
    /// The change (<see cref="MembershipOutcome.Changed"/> only for the call that removed the user, with the promoted
    /// member if any), or <see langword="null"/> when the conversation does not exist.
    /// </returns>
    ValueTask<MembershipChange?> RemoveMemberAsync(string conversationId, string userId, long leftAtSeq, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a former member's recorded departure forward to <paramref name="leftAtSeq"/> (the seq of the removal's
    /// system message, written after the removal took effect); never backwards, and a no-op when the user is a member
    /// again or has no recorded departure.
    /// </summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="userId">The former member.</param>
    /// <param name="leftAtSeq">The last seq the user may still receive.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when recorded.</returns>
    ValueTask AdvanceDepartureAsync(string conversationId, string userId, long leftAtSeq, CancellationToken cancellationToken = default);

    /// <summary>
    /// The conversations a user was removed from (or left) and has not rejoined, ordered by the conversation's activity
    /// when the user left, most recent first (ties by id), each with <see cref="ConversationActivity.LeftAtSeq"/>: catch-up delivers a former member's messages up
    /// to it and nothing after.
    /// </summary>
    /// <param name="userId">The former member.</param>
    /// <param name="limit">Maximum number of conversations.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The departed conversations.</returns>
    ValueTask<IReadOnlyList<ConversationActivity>> ListDepartedAsync(string userId, int limit, CancellationToken cancellationToken = default);
}
