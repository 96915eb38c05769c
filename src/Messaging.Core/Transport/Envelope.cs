namespace Messaging;

/// <summary>What the engine sends to a node: a closed set, each kind a sealed subclass.</summary>
internal abstract record Envelope
{
    private protected Envelope()
    {
    }
}

/// <summary>A stored message to deliver.</summary>
/// <param name="Message">The message.</param>
/// <param name="OriginConnectionId">The sending connection, which already has the message and only advances its cursor.</param>
internal sealed record MessageEnvelope(Message Message, string? OriginConnectionId) : Envelope;

/// <summary>A receipt status for the sender's devices.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="MessageId">The message whose status changed.</param>
/// <param name="Seq">The message's seq.</param>
/// <param name="Status">The new status.</param>
/// <param name="ClientMsgId">The sender's client message id.</param>
/// <param name="Timestamp">When the status changed.</param>
internal sealed record StatusEnvelope(string ConversationId, string MessageId, long Seq, ReceiptStatus Status, string? ClientMsgId, DateTimeOffset Timestamp) : Envelope;

/// <summary>A typing indicator.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="UserId">Who is typing.</param>
/// <param name="IsTyping">Started or stopped.</param>
internal sealed record TypingEnvelope(string ConversationId, string UserId, bool IsTyping) : Envelope;

/// <summary>A presence change of a user (before privacy is applied per viewer).</summary>
/// <param name="UserId">The user.</param>
/// <param name="Status">The new status.</param>
/// <param name="LastSeen">When the user was last online (for offline).</param>
internal sealed record PresenceEnvelope(string UserId, PresenceStatus Status, DateTimeOffset? LastSeen) : Envelope;

/// <summary>A user joined or left a conversation; nodes re-evaluate what they follow.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="UserId">The member.</param>
/// <param name="Joined"><see langword="true"/> when added, <see langword="false"/> when removed.</param>
internal sealed record MembershipEnvelope(string ConversationId, string UserId, bool Joined) : Envelope;

/// <summary>
/// Who on a receiving node gets an envelope: the local connections of the listed users, plus the local followers of
/// one topic (the members connected there of a read-path conversation, or the connections watching a user's presence).
/// </summary>
/// <param name="Users">The users whose local connections get the envelope (may be empty).</param>
/// <param name="Followers">A topic whose local followers get it too, or <see langword="null"/>.</param>
internal sealed record Audience(IReadOnlyList<string> Users, FollowTopic? Followers)
{
    /// <summary>The listed users only.</summary>
    /// <param name="users">The users.</param>
    /// <returns>The audience.</returns>
    public static Audience Of(IReadOnlyList<string> users) => new(users, null);

    /// <summary>The local followers of a topic only.</summary>
    /// <param name="topic">The topic.</param>
    /// <returns>The audience.</returns>
    public static Audience FollowersOf(FollowTopic topic) => new([], topic);

    /// <summary>Whether two audiences list the same users in the same order and the same topic.</summary>
    /// <param name="other">The other audience.</param>
    /// <returns><see langword="true"/> when equal.</returns>
    public bool Equals(Audience? other)
        => other is not null && Followers == other.Followers && Users.SequenceEqual(other.Users, StringComparer.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Followers, Users.Count);
}

/// <summary>One envelope and who on the receiving node gets it: what travels in a node's inbox.</summary>
/// <param name="Audience">The local recipients.</param>
/// <param name="Envelope">The content.</param>
internal sealed record NodeEnvelope(Audience Audience, Envelope Envelope);
