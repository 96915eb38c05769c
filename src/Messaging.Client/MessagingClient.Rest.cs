using System.Globalization;
using Messaging.Client.Connection;
using Messaging.Protocol;

namespace Messaging.Client;

/// <content>The REST API (DESIGN section 6). Each call fails with <see cref="MessagingClientException"/> carrying the server's code and HTTP status.</content>
public sealed partial class MessagingClient
{
    /// <summary>
    /// The user's most recently active conversations (the first page of up to 100 of <c>GET /conversations</c>), with
    /// unread counts; <see cref="ListConversationPageAsync"/> pages through all of them.
    /// </summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The conversations, most recent activity first.</returns>
    public async Task<IReadOnlyList<ConversationBody>> ListConversationsAsync(CancellationToken cancellationToken = default)
    {
        var list = await ListConversationPageAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return list.Conversations;
    }

    /// <summary>
    /// One page of the user's conversations, most recent activity first (<c>GET /conversations?limit=&amp;cursor=</c>).
    /// Pass the page's <see cref="ConversationListBody.NextCursor"/> to get the next one; it is <see langword="null"/>
    /// on the last page.
    /// </summary>
    /// <param name="limit">How many at most (1-100).</param>
    /// <param name="cursor">The previous page's next cursor, or <see langword="null"/> for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The page and the cursor of the next one.</returns>
    public Task<ConversationListBody> ListConversationPageAsync(int limit = 100, string? cursor = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 100);
        var query = "conversations?limit=" + limit.ToString(CultureInfo.InvariantCulture);
        if (cursor is not null)
        {
            query += "&cursor=" + Uri.EscapeDataString(cursor);
        }

        return _rest.SendAsync(HttpMethod.Get, query, ProtocolJsonContext.Default.ConversationListBody, cancellationToken);
    }

    /// <summary>
    /// Returns the direct conversation with another user, creating it if needed (<c>POST /conversations</c>). Both
    /// users get the same conversation whoever asks first.
    /// </summary>
    /// <param name="userId">The other user.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The conversation.</returns>
    public Task<ConversationBody> CreateDirectConversationAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return CreateConversationAsync(CreateConversationRequest.Direct(userId), cancellationToken);
    }

    /// <summary>Creates a group with the user as admin (<c>POST /conversations</c>).</summary>
    /// <param name="name">The group name.</param>
    /// <param name="memberIds">The other initial members.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new conversation.</returns>
    public Task<ConversationBody> CreateGroupAsync(string name, IEnumerable<string> memberIds, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(memberIds);
        return CreateConversationAsync(CreateConversationRequest.Group(name, [.. memberIds]), cancellationToken);
    }

    /// <summary>A conversation the user is a member of (<c>GET /conversations/{id}</c>); <c>not_found</c> otherwise.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The conversation.</returns>
    public Task<ConversationBody> GetConversationAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        return _rest.SendAsync(HttpMethod.Get, Endpoints.Path("conversations", conversationId), ProtocolJsonContext.Default.ConversationBody, cancellationToken);
    }

    /// <summary>Adds a member to a group (<c>POST /conversations/{id}/members</c>; admins only).</summary>
    /// <param name="conversationId">The group.</param>
    /// <param name="userId">The user to add.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The conversation after the change.</returns>
    public Task<ConversationBody> AddMemberAsync(string conversationId, string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return _rest.SendAsync(
            HttpMethod.Post,
            Endpoints.Path("conversations", conversationId, "members"),
            new AddMemberRequest(userId),
            ProtocolJsonContext.Default.AddMemberRequest,
            ProtocolJsonContext.Default.ConversationBody,
            cancellationToken);
    }

    /// <summary>
    /// Removes a member from a group (<c>DELETE /conversations/{id}/members/{user}</c>; admins, or a member removing
    /// themself).
    /// </summary>
    /// <param name="conversationId">The group.</param>
    /// <param name="userId">The member to remove.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The conversation after the change.</returns>
    public Task<ConversationBody> RemoveMemberAsync(string conversationId, string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return _rest.SendAsync(HttpMethod.Delete, Endpoints.Path("conversations", conversationId, "members", userId), ProtocolJsonContext.Default.ConversationBody, cancellationToken);
    }

    /// <summary>
    /// A page of a conversation's history (<c>GET /conversations/{id}/messages</c>). With <paramref name="after"/> the
    /// page is in ascending seq order; otherwise (with <paramref name="before"/> or neither) newest first.
    /// </summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="before">Only messages with a lower seq, if set.</param>
    /// <param name="after">Only messages with a higher seq, if set.</param>
    /// <param name="limit">The most messages, 1 to 100.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The messages.</returns>
    public async Task<IReadOnlyList<MessageData>> GetMessagesAsync(string conversationId, long? before = null, long? after = null, int limit = 50, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 100);
        var query = "?limit=" + limit.ToString(CultureInfo.InvariantCulture);
        if (before is { } b)
        {
            query += "&before=" + b.ToString(CultureInfo.InvariantCulture);
        }

        if (after is { } a)
        {
            query += "&after=" + a.ToString(CultureInfo.InvariantCulture);
        }

        var page = await _rest.SendAsync(HttpMethod.Get, Endpoints.Path("conversations", conversationId, "messages") + query, ProtocolJsonContext.Default.MessagesPageBody, cancellationToken).ConfigureAwait(false);
        return page.Messages;
    }

    /// <summary>Per-member delivered and read times of a message the user sent (<c>GET /messages/{id}/receipts</c>).</summary>
    /// <param name="messageId">The message.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The receipts.</returns>
    public Task<ReceiptsBody> GetReceiptsAsync(string messageId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        return _rest.SendAsync(HttpMethod.Get, Endpoints.Path("messages", messageId, "receipts"), ProtocolJsonContext.Default.ReceiptsBody, cancellationToken);
    }

    /// <summary>A user's presence as the server lets this user see it (<c>GET /users/{id}/presence</c>).</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The presence.</returns>
    public Task<PresenceBody> GetPresenceAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return _rest.SendAsync(HttpMethod.Get, Endpoints.Path("users", userId, "presence"), ProtocolJsonContext.Default.PresenceBody, cancellationToken);
    }

    /// <summary>Sets who may see the user's presence and last seen (<c>PUT /users/me/privacy</c>).</summary>
    /// <param name="lastSeen">Everyone, contacts or nobody.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Completes when the server accepted the change.</returns>
    public Task SetPrivacyAsync(LastSeenVisibility lastSeen, CancellationToken cancellationToken = default) =>
        _rest.SendAsync(HttpMethod.Put, "users/me/privacy", new PrivacyRequest(lastSeen), ProtocolJsonContext.Default.PrivacyRequest, cancellationToken);

    private Task<ConversationBody> CreateConversationAsync(CreateConversationRequest request, CancellationToken cancellationToken) =>
        _rest.SendAsync(HttpMethod.Post, "conversations", request, ProtocolJsonContext.Default.CreateConversationRequest, ProtocolJsonContext.Default.ConversationBody, cancellationToken);
}
