namespace Messaging;

/// <summary>What an <see cref="IConversationStore"/> did with one requested membership change.</summary>
public enum MembershipOutcome
{
    /// <summary>The change took effect: the caller that asked for it owns it (and announces it).</summary>
    Changed,

    /// <summary>Nothing to do: the user already was a member (add) or was not one (remove).</summary>
    Unchanged,

    /// <summary>The conversation already has the most members allowed; the user was not added.</summary>
    Full,
}

/// <summary>The result of adding or removing one member, decided atomically with the member limit.</summary>
/// <param name="Conversation">The conversation after the change (or as it is, when nothing changed).</param>
/// <param name="Outcome">Whether the change took effect; of concurrent identical changes exactly one reports <see cref="MembershipOutcome.Changed"/>.</param>
/// <param name="PromotedUserId">
/// When the removal took the group's last admin: the remaining member who joined first, made admin in the same
/// atomic step; otherwise <see langword="null"/>.
/// </param>
public sealed record MembershipChange(Conversation Conversation, MembershipOutcome Outcome, string? PromotedUserId = null)
{
    /// <summary>Whether the change took effect (<see cref="MembershipOutcome.Changed"/>).</summary>
    public bool Changed => Outcome == MembershipOutcome.Changed;
}
