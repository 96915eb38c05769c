namespace Messaging;

/// <summary>Which backplane channels an envelope about a conversation goes to, per fan-out mode.</summary>
internal static class FanoutChannels
{
    /// <summary>
    /// A message: write path, every member's user channel (the sender's too, for their other devices); read path, the
    /// conversation channel plus the sender's user channel.
    /// </summary>
    /// <param name="conversation">The conversation at commit time.</param>
    /// <param name="mode">The fan-out mode.</param>
    /// <param name="senderId">The sender.</param>
    /// <param name="alsoUserId">A user who must get the message on their own channel too (a member being removed), or <see langword="null"/>.</param>
    /// <returns>The channels, each once.</returns>
    public static IReadOnlyList<TransportChannel> ForMessage(Conversation conversation, FanoutMode mode, string senderId, string? alsoUserId = null)
    {
        if (mode == FanoutMode.WritePath)
        {
            return alsoUserId is null ? UsersOf(conversation, except: null) : UsersOf(conversation, except: null, alsoUserId);
        }

        List<TransportChannel> channels = [TransportChannel.Conversation(conversation.Id), TransportChannel.User(senderId)];
        if (alsoUserId is not null && !string.Equals(alsoUserId, senderId, StringComparison.Ordinal))
        {
            channels.Add(TransportChannel.User(alsoUserId));
        }

        return channels;
    }

    /// <summary>A typing indicator: write path, the other members' user channels; read path, the conversation channel.</summary>
    /// <param name="conversation">The conversation.</param>
    /// <param name="mode">The fan-out mode.</param>
    /// <param name="typistId">Who is typing (excluded on the write path; receivers skip them on the read path).</param>
    /// <returns>The channels.</returns>
    public static IReadOnlyList<TransportChannel> ForTyping(Conversation conversation, FanoutMode mode, string typistId)
        => mode == FanoutMode.WritePath ? UsersOf(conversation, except: typistId) : [TransportChannel.Conversation(conversation.Id)];

    /// <summary>The user channels of the members, optionally without one user, plus extra users.</summary>
    /// <param name="conversation">The conversation.</param>
    /// <param name="except">A user to leave out, or <see langword="null"/>.</param>
    /// <param name="extra">Users to add when not members (for example a removed member).</param>
    /// <returns>The channels, each once.</returns>
    public static IReadOnlyList<TransportChannel> UsersOf(Conversation conversation, string? except, params ReadOnlySpan<string> extra)
    {
        // Indexed loops: Members is an interface, whose enumerator would be one more allocation per send.
        var members = conversation.Members;
        if (except is null && extra.IsEmpty)
        {
            var all = new TransportChannel[members.Count];
            for (var i = 0; i < all.Length; i++)
            {
                all[i] = TransportChannel.User(members[i].UserId);
            }

            return all;
        }

        var channels = new List<TransportChannel>(members.Count + extra.Length);
        for (var i = 0; i < members.Count; i++)
        {
            var member = members[i];
            if (!string.Equals(member.UserId, except, StringComparison.Ordinal))
            {
                channels.Add(TransportChannel.User(member.UserId));
            }
        }

        foreach (var userId in extra)
        {
            if (!conversation.IsMember(userId))
            {
                channels.Add(TransportChannel.User(userId));
            }
        }

        return channels;
    }
}
