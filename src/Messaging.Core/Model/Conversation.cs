namespace Messaging;

/// <summary>The two kinds of conversation.</summary>
public enum ConversationKind
{
    /// <summary>Exactly two users; the id is derived from the sorted pair (see <see cref="ConversationIds.Direct"/>).</summary>
    Direct,

    /// <summary>A named conversation with members holding <see cref="MemberRole"/>s.</summary>
    Group,
}

/// <summary>A member's role in a conversation.</summary>
public enum MemberRole
{
    /// <summary>An ordinary member.</summary>
    Member,

    /// <summary>May add and remove members.</summary>
    Admin,
}

/// <summary>A member of a conversation.</summary>
/// <param name="UserId">The member's user id.</param>
/// <param name="Role">The member's role.</param>
/// <param name="JoinedAt">When the member joined (server UTC).</param>
public sealed record ConversationMember(string UserId, MemberRole Role, DateTimeOffset JoinedAt);

/// <summary>A direct or group conversation and its members.</summary>
public sealed record Conversation
{
    /// <summary>The conversation id.</summary>
    public required string Id { get; init; }

    /// <summary>Direct or group.</summary>
    public required ConversationKind Kind { get; init; }

    /// <summary>The group name; <see langword="null"/> for direct conversations.</summary>
    public string? Name { get; init; }

    /// <summary>The members, in the order they joined.</summary>
    public required IReadOnlyList<ConversationMember> Members { get; init; }

    /// <summary>When the conversation was created (server UTC).</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Whether <paramref name="userId"/> is a member.</summary>
    /// <param name="userId">The user to look for.</param>
    /// <returns><see langword="true"/> when the user is a member.</returns>
    public bool IsMember(string userId) => FindMember(userId) is not null;

    /// <summary>The member entry of <paramref name="userId"/>, or <see langword="null"/>.</summary>
    /// <param name="userId">The user to look for.</param>
    /// <returns>The member, or <see langword="null"/> when the user is not a member.</returns>
    public ConversationMember? FindMember(string userId)
    {
        foreach (var member in Members)
        {
            if (string.Equals(member.UserId, userId, StringComparison.Ordinal))
            {
                return member;
            }
        }

        return null;
    }
}

/// <summary>A conversation as one user sees it in their list: with the last activity and the user's unread count.</summary>
/// <param name="Conversation">The conversation.</param>
/// <param name="LastSeq">The conversation's highest sequence number (0 when empty).</param>
/// <param name="LastActivity">When the last message was sent, or the creation time.</param>
/// <param name="LeftAtSeq">
/// For a conversation the user left or was removed from: the seq of the removal's system message, the last message
/// the user may receive; <see langword="null"/> for a current member.
/// </param>
public sealed record ConversationActivity(Conversation Conversation, long LastSeq, DateTimeOffset LastActivity, long? LeftAtSeq = null);
