using Microsoft.AspNetCore.SignalR;

namespace SignalRChat;

/// <summary>
/// The baseline chat hub: the same 1:1 and group sends as our gateway, written the way the SignalR documentation
/// writes them (user-addressed and group-addressed sends, the JSON hub protocol), with no persistence, no sequencing
/// and no receipts. A group send reaches the other members, as ours does.
/// </summary>
internal sealed class ChatHub : Hub
{
    /// <summary>The client method every delivery invokes: (sender, payload).</summary>
    public const string ReceiveMethod = "message";

    public Task SendDirect(string toUser, string payload) =>
        Clients.User(toUser).SendAsync(ReceiveMethod, Context.UserIdentifier, payload);

    public Task JoinGroup(string group) => Groups.AddToGroupAsync(Context.ConnectionId, group);

    public Task SendGroup(string group, string payload) =>
        Clients.OthersInGroup(group).SendAsync(ReceiveMethod, Context.UserIdentifier, payload);
}

/// <summary>The user id is the <c>user</c> query parameter (the baseline's stand-in for the development scheme).</summary>
internal sealed class QueryUserIdProvider : IUserIdProvider
{
    public string? GetUserId(HubConnectionContext connection) =>
        connection.GetHttpContext()?.Request.Query["user"].ToString();
}
