namespace Messaging;

/// <summary>Who gets an envelope about a conversation, per fan-out mode (the recipients a node envelope lists).</summary>
internal static class Audiences
{
    /// <summary>
    /// A message: write path, every member (the sender too, for their other devices); read path, the nodes following
    /// the conversation plus the sender.
    /// </summary>
    /// <param name="conversation">The conversation at commit time.</param>
    /// <param name="mode">The fan-out mode.</param>
    /// <param name="senderId">The sender.</param>
    /// <param name="alsoUserId">A user who must get the message too (a member being removed), or <see langword="null"/>.</param>
    /// <returns>The audience.</returns>
    public static Audience Message(Conversation conversation, FanoutMode mode, string senderId, string? alsoUserId)
    {
        if (mode == FanoutMode.WritePath)
        {
            return Audience.Of(Members(conversation, except: null, alsoUserId));
        }

        string[] users = alsoUserId is null || string.Equals(alsoUserId, senderId, StringComparison.Ordinal) ? [senderId] : [senderId, alsoUserId];
        return new Audience(users, FollowTopic.Conversation(conversation.Id));
    }

    /// <summary>A typing indicator: write path, the other members; read path, the nodes following the conversation.</summary>
    /// <param name="conversation">The conversation.</param>
    /// <param name="mode">The fan-out mode.</param>
    /// <param name="typistId">Who is typing (left out; receivers never echo it to the typist).</param>
    /// <returns>The audience.</returns>
    public static Audience Typing(Conversation conversation, FanoutMode mode, string typistId)
        => mode == FanoutMode.WritePath
            ? Audience.Of(Members(conversation, except: typistId, extra: null))
            : Audience.FollowersOf(FollowTopic.Conversation(conversation.Id));

    /// <summary>The members, optionally without one user, plus one more user when not a member.</summary>
    /// <param name="conversation">The conversation.</param>
    /// <param name="except">A user to leave out, or <see langword="null"/>.</param>
    /// <param name="extra">A user to add when not a member (for example a removed member), or <see langword="null"/>.</param>
    /// <returns>The users, each once.</returns>
    public static string[] Members(Conversation conversation, string? except, string? extra)
    {
        // Indexed loops: Members is an interface, whose enumerator would be one more allocation per send.
        var members = conversation.Members;
        var addExtra = extra is not null && !string.Equals(extra, except, StringComparison.Ordinal) && !conversation.IsMember(extra);
        var users = new List<string>(members.Count + (addExtra ? 1 : 0));
        for (var i = 0; i < members.Count; i++)
        {
            var userId = members[i].UserId;
            if (!string.Equals(userId, except, StringComparison.Ordinal))
            {
                users.Add(userId);
            }
        }

        if (addExtra)
        {
            users.Add(extra!);
        }

        return [.. users];
    }
}
