using Messaging.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Messaging.Transports.AspNetCore;

/// <summary>The REST API of DESIGN section 6. Every operation acts as the authenticated caller; non-members get 404.</summary>
internal static class RestEndpoints
{
    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 100;
    private const int DefaultConversationPageSize = 100;
    private const int MaxConversationPageSize = 100;

    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapGet("/conversations", RestCall.Handle(ListConversationsAsync));
        group.MapPost("/conversations", RestCall.Handle(CreateConversationAsync));
        group.MapGet("/conversations/{conversationId}", RestCall.Handle(GetConversationAsync));
        group.MapPost("/conversations/{conversationId}/members", RestCall.Handle(AddMemberAsync));
        group.MapDelete("/conversations/{conversationId}/members/{userId}", RestCall.Handle(RemoveMemberAsync));
        group.MapGet("/conversations/{conversationId}/messages", RestCall.Handle(GetMessagesAsync));
        group.MapGet("/messages/{messageId}/receipts", RestCall.Handle(GetReceiptsAsync));
        group.MapGet("/users/{userId}/presence", RestCall.Handle(GetPresenceAsync));
        group.MapPut("/users/me/privacy", RestCall.Handle(SetPrivacyAsync));
        group.MapPost("/presence/heartbeat", RestCall.Handle(HeartbeatAsync));
    }

    private static async Task ListConversationsAsync(RestCall call)
    {
        var limit = call.QueryInt64("limit") ?? DefaultConversationPageSize;
        if (limit is < 1 or > MaxConversationPageSize)
        {
            throw RestRequestException.BadRequest($"limit must be between 1 and {MaxConversationPageSize}.");
        }

        var cursor = call.Context.Request.Query["cursor"].ToString();
        var page = await call.Engine.ListConversationPageAsync(call.UserId, (int)limit, cursor.Length == 0 ? null : cursor, call.Aborted).ConfigureAwait(false);
        var body = new ConversationListBody(page.Conversations.Select(WireMapping.ToBody).ToArray(), page.NextCursor);
        await call.WriteAsync(StatusCodes.Status200OK, body, ProtocolJsonContext.Default.ConversationListBody).ConfigureAwait(false);
    }

    private static async Task CreateConversationAsync(RestCall call)
    {
        var request = await call.ReadBodyAsync(ProtocolJsonContext.Default.CreateConversationRequest).ConfigureAwait(false);
        ConversationView view;
        var created = true;
        if (request.Type == ConversationType.Direct)
        {
            if (string.IsNullOrEmpty(request.UserId))
            {
                throw RestRequestException.BadRequest("A direct conversation needs \"user_id\".");
            }

            var creation = await call.Engine.CreateDirectConversationAsync(call.UserId, request.UserId, call.Aborted).ConfigureAwait(false);
            (view, created) = (creation.View, creation.Created);
        }
        else
        {
            if (string.IsNullOrWhiteSpace(request.Name))
            {
                throw RestRequestException.BadRequest("A group needs a \"name\".");
            }

            view = await call.Engine.CreateGroupAsync(call.UserId, request.Name, request.Members ?? [], call.Aborted).ConfigureAwait(false);
        }

        var status = created ? StatusCodes.Status201Created : StatusCodes.Status200OK;
        await call.WriteAsync(status, WireMapping.ToBody(view), ProtocolJsonContext.Default.ConversationBody).ConfigureAwait(false);
    }

    private static async Task GetConversationAsync(RestCall call)
    {
        var view = await call.Engine.GetConversationAsync(call.UserId, call.Route("conversationId"), call.Aborted).ConfigureAwait(false);
        await call.WriteAsync(StatusCodes.Status200OK, WireMapping.ToBody(view), ProtocolJsonContext.Default.ConversationBody).ConfigureAwait(false);
    }

    private static async Task AddMemberAsync(RestCall call)
    {
        var request = await call.ReadBodyAsync(ProtocolJsonContext.Default.AddMemberRequest).ConfigureAwait(false);
        var view = await call.Engine.AddMemberAsync(call.UserId, call.Route("conversationId"), request.UserId, call.Aborted).ConfigureAwait(false);
        await call.WriteAsync(StatusCodes.Status200OK, WireMapping.ToBody(view), ProtocolJsonContext.Default.ConversationBody).ConfigureAwait(false);
    }

    private static async Task RemoveMemberAsync(RestCall call)
    {
        var view = await call.Engine.RemoveMemberAsync(call.UserId, call.Route("conversationId"), call.Route("userId"), call.Aborted).ConfigureAwait(false);
        await call.WriteAsync(StatusCodes.Status200OK, WireMapping.ToBody(view), ProtocolJsonContext.Default.ConversationBody).ConfigureAwait(false);
    }

    private static async Task GetMessagesAsync(RestCall call)
    {
        var limit = call.QueryInt64("limit") ?? DefaultPageSize;
        if (limit < 1)
        {
            throw RestRequestException.BadRequest("limit must be between 1 and 100.");
        }

        var page = new MessagePage(call.QueryInt64("before"), call.QueryInt64("after"), (int)Math.Min(limit, MaxPageSize));
        var messages = await call.Engine.GetMessagesAsync(call.UserId, call.Route("conversationId"), page, call.Aborted).ConfigureAwait(false);
        var body = new MessagesPageBody(messages.Select(WireMapping.ToData).ToArray());
        await call.WriteAsync(StatusCodes.Status200OK, body, ProtocolJsonContext.Default.MessagesPageBody).ConfigureAwait(false);
    }

    private static async Task GetReceiptsAsync(RestCall call)
    {
        var receipts = await call.Engine.GetReceiptsAsync(call.UserId, call.Route("messageId"), call.Aborted).ConfigureAwait(false);
        await call.WriteAsync(StatusCodes.Status200OK, WireMapping.ToBody(receipts), ProtocolJsonContext.Default.ReceiptsBody).ConfigureAwait(false);
    }

    private static async Task GetPresenceAsync(RestCall call)
    {
        var presence = await call.Engine.GetPresenceAsync(call.UserId, call.Route("userId"), call.Aborted).ConfigureAwait(false);
        await call.WriteAsync(StatusCodes.Status200OK, WireMapping.ToBody(presence), ProtocolJsonContext.Default.PresenceBody).ConfigureAwait(false);
    }

    private static async Task SetPrivacyAsync(RestCall call)
    {
        var request = await call.ReadBodyAsync(ProtocolJsonContext.Default.PrivacyRequest).ConfigureAwait(false);
        await call.Engine.SetPresenceVisibilityAsync(call.UserId, WireMapping.ToCore(request.LastSeen), call.Aborted).ConfigureAwait(false);
        call.NoContent();
    }

    private static async Task HeartbeatAsync(RestCall call)
    {
        await call.Engine.HeartbeatAsync(call.UserId, call.DeviceId(), call.Aborted).ConfigureAwait(false);
        call.NoContent();
    }
}
