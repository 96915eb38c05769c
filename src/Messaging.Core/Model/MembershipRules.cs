namespace Messaging;

/// <summary>
/// The membership rules every <see cref="IConversationStore"/> applies inside its atomic step: an addition is refused
/// for a member and for a full conversation; a removal of the last admin makes the remaining member who joined first
/// admin. A store decides the change from the conversation as it read it and applies the result only if nobody changed
/// the conversation meanwhile.
/// </summary>
public static class MembershipRules
{
    /// <summary>Decides an addition.</summary>
    /// <param name="conversation">The conversation as read.</param>
    /// <param name="member">The new member.</param>
    /// <param name="maxMembers">The most members the conversation may have after the addition.</param>
    /// <returns>The new member list (null when nothing changes), the outcome, and no promoted member.</returns>
    public static (IReadOnlyList<ConversationMember>? Members, MembershipOutcome Outcome, string? PromotedUserId) Add(Conversation conversation, ConversationMember member, int maxMembers)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        ArgumentNullException.ThrowIfNull(member);
        return conversation.IsMember(member.UserId) ? (null, MembershipOutcome.Unchanged, null)
            : conversation.Members.Count >= maxMembers ? (null, MembershipOutcome.Full, null)
            : ([.. conversation.Members, member], MembershipOutcome.Changed, null);
    }

    /// <summary>
    /// Decides a removal: the members without the user; when that takes the last admin, the remaining member who
    /// joined first (the list is in join order) becomes admin.
    /// </summary>
    /// <param name="conversation">The conversation as read.</param>
    /// <param name="userId">The member to remove.</param>
    /// <returns>The new member list (null when the user is no member), the outcome, and the member promoted to admin.</returns>
    public static (IReadOnlyList<ConversationMember>? Members, MembershipOutcome Outcome, string? PromotedUserId) Remove(Conversation conversation, string userId)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        if (conversation.FindMember(userId) is not { } removed)
        {
            return (null, MembershipOutcome.Unchanged, null);
        }

        var remaining = new List<ConversationMember>(conversation.Members.Count);
        var hasAdmin = false;
        foreach (var member in conversation.Members)
        {
            if (!string.Equals(member.UserId, userId, StringComparison.Ordinal))
            {
                remaining.Add(member);
                hasAdmin |= member.Role == MemberRole.Admin;
            }
        }

        if (removed.Role != MemberRole.Admin || hasAdmin || remaining.Count == 0)
        {
            return (remaining, MembershipOutcome.Changed, null);
        }

        remaining[0] = remaining[0] with { Role = MemberRole.Admin };
        return (remaining, MembershipOutcome.Changed, remaining[0].UserId);
    }
}
