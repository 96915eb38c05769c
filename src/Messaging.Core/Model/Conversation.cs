using System.Runtime.CompilerServices;

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
    /// <remarks>
    /// A hash lookup for large member lists (an index built once per member list and shared by copies made with
    /// <c>with</c> that keep the list); a scan for small ones. The first entry wins when a user id repeats.
    /// </remarks>
    public ConversationMember? FindMember(string userId)
    {
        var members = Members;
        if (members.Count > MemberIndex.ScanLimit && userId is not null)
        {
            return MemberIndex.For(members).Find(userId);
        }

        for (var i = 0; i < members.Count; i++)
        {
            var member = members[i];
            if (string.Equals(member.UserId, userId, StringComparison.Ordinal))
            {
                return member;
            }
        }

        return null;
    }
}

/// <summary>
/// The members of a large member list by user id, kept beside the list (weakly, so it lives exactly as long as the
/// list) instead of in <see cref="Conversation"/>, whose equality, copies and serialized form it must not touch.
/// </summary>
internal sealed class MemberIndex
{
    /// <summary>Member lists up to this size are scanned; a scan of a few strings beats hashing.</summary>
    public const int ScanLimit = 16;

    private static readonly ConditionalWeakTable<IReadOnlyList<ConversationMember>, MemberIndex> Indexes = new();

    private readonly Dictionary<string, ConversationMember> _byUserId;
    private readonly int _count;

    private MemberIndex(IReadOnlyList<ConversationMember> members)
    {
        _count = members.Count;
        _byUserId = new Dictionary<string, ConversationMember>(members.Count, StringComparer.Ordinal);
        foreach (var member in members)
        {
            _byUserId.TryAdd(member.UserId, member);
        }
    }

    /// <summary>The index of <paramref name="members"/>, built on first use (rebuilt if the list changed size).</summary>
    /// <param name="members">The member list.</param>
    /// <returns>The index.</returns>
    public static MemberIndex For(IReadOnlyList<ConversationMember> members)
    {
        if (Indexes.TryGetValue(members, out var index) && index._count == members.Count)
        {
            return index;
        }

        index = new MemberIndex(members);
        Indexes.AddOrUpdate(members, index);
        return index;
    }

    /// <summary>The member with <paramref name="userId"/>, or <see langword="null"/>.</summary>
    /// <param name="userId">The user id.</param>
    /// <returns>The member or <see langword="null"/>.</returns>
    public ConversationMember? Find(string userId) => _byUserId.GetValueOrDefault(userId);
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
