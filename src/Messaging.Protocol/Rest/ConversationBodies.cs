namespace Messaging.Protocol;

/// <summary>A conversation as <c>GET /conversations/{id}</c>, list and create responses show it.</summary>
public sealed record ConversationBody
{
    /// <summary><c>conversation_id</c>.</summary>
    public required string ConversationId { get; init; }

    /// <summary><c>type</c>: direct or group.</summary>
    public required ConversationType Type { get; init; }

    /// <summary><c>name</c>: the group name; <see langword="null"/> for direct conversations.</summary>
    public string? Name { get; init; }

    /// <summary><c>members</c>, in the order they joined.</summary>
    public required IReadOnlyList<MemberBody> Members { get; init; }

    /// <summary><c>created_at</c> (UTC).</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary><c>last_seq</c>: the highest seq (0 when empty).</summary>
    public required long LastSeq { get; init; }

    /// <summary>
    /// <c>unread_count</c>: <c>last_seq</c> minus the caller's read mark, counting only messages that still exist (seqs
    /// below <see cref="HistoryStartSeq"/> are not unread).
    /// </summary>
    public required long UnreadCount { get; init; }

    /// <summary>
    /// <c>history_start_seq</c>: the first seq the server still holds; older ones were removed by a retention the host
    /// configured, and history and catch-up skip them like tombstones. 1 when nothing was removed; never below 1, so
    /// a body from a server that predates the field (where it reads as 0) also says 1.
    /// </summary>
    public long HistoryStartSeq
    {
        get => Math.Max(1, _historyStartSeq);
        init => _historyStartSeq = value;
    }

    // Left at 0 by a body without the field (the serializer sets every init-only property it knows).
    private readonly long _historyStartSeq;

    /// <summary><c>last_message</c>, or <see langword="null"/> when the conversation is empty.</summary>
    public MessageData? LastMessage { get; init; }
}

/// <summary>A member of a conversation: <c>{"user_id","role"}</c>.</summary>
/// <param name="UserId">The member.</param>
/// <param name="Role">Admin or member.</param>
public sealed record MemberBody(string UserId, ConversationRole Role);

/// <summary><c>GET /conversations</c>: <c>{"conversations":[..],"next_cursor":null}</c>, by last activity.</summary>
/// <param name="Conversations">The caller's conversations, most recent activity first.</param>
/// <param name="NextCursor">Reserved for paging; <see langword="null"/> in protocol v1.</param>
public sealed record ConversationListBody(IReadOnlyList<ConversationBody> Conversations, string? NextCursor = null);

/// <summary>
/// <c>POST /conversations</c>: <c>{"type":"direct","user_id":"bob"}</c> or
/// <c>{"type":"group","name":"..","members":["bob","carol"]}</c>.
/// </summary>
public sealed record CreateConversationRequest
{
    /// <summary><c>type</c>: direct or group.</summary>
    public required ConversationType Type { get; init; }

    /// <summary><c>user_id</c>: the other user of a direct conversation.</summary>
    public string? UserId { get; init; }

    /// <summary><c>name</c>: the group name.</summary>
    public string? Name { get; init; }

    /// <summary><c>members</c>: the group's initial members besides the caller (who becomes admin).</summary>
    public IReadOnlyList<string>? Members { get; init; }

    /// <summary>A request for the direct conversation with <paramref name="userId"/>.</summary>
    /// <param name="userId">The other user.</param>
    /// <returns>The request.</returns>
    public static CreateConversationRequest Direct(string userId) => new() { Type = ConversationType.Direct, UserId = userId };

    /// <summary>A request for a new group.</summary>
    /// <param name="name">The group name.</param>
    /// <param name="members">The initial members besides the caller.</param>
    /// <returns>The request.</returns>
    public static CreateConversationRequest Group(string name, IReadOnlyList<string> members) => new() { Type = ConversationType.Group, Name = name, Members = members };
}

/// <summary><c>POST /conversations/{id}/members</c>: <c>{"user_id":"dave"}</c>.</summary>
/// <param name="UserId">The user to add.</param>
public sealed record AddMemberRequest(string UserId);

/// <summary><c>GET /conversations/{id}/messages</c>: <c>{"messages":[..]}</c>.</summary>
/// <param name="Messages">Newest first with <c>before</c> or neither bound; ascending with <c>after</c>.</param>
public sealed record MessagesPageBody(IReadOnlyList<MessageData> Messages);
