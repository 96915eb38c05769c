using Messaging;
using Messaging.Transports.AspNetCore;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the messaging gateway's endpoints.</summary>
public static class MessagingEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>GET {prefix}/ws</c> (WebSocket) and the REST API of protocol v1 under <paramref name="prefix"/>. Every
    /// endpoint requires an authenticated user (the host's authentication; see <see cref="MessagingGatewayOptions.UserIdClaimType"/>)
    /// and is rate-limited per user (<see cref="MessagingGatewayOptions.RestRateLimitBurst"/>; 429 with <c>Retry-After</c>).
    /// Requires <c>services.AddMessaging()</c> and <c>services.AddMessagingGateway()</c>.
    /// </summary>
    /// <param name="endpoints">The application's endpoints.</param>
    /// <param name="prefix">A path prefix such as <c>/chat</c>; empty for the root.</param>
    /// <returns>A builder that applies conventions (CORS, policies, rate limiting) to all the gateway's endpoints.</returns>
    public static IEndpointConventionBuilder MapMessaging(this IEndpointRouteBuilder endpoints, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        var isService = endpoints.ServiceProvider.GetRequiredService<IServiceProviderIsService>();
        if (!isService.IsService(typeof(WebSocketEndpoint)) || !isService.IsService(typeof(MessagingEngine)))
        {
            throw new InvalidOperationException("MapMessaging() needs services.AddMessaging() and services.AddMessagingGateway().");
        }

        var group = endpoints.MapGroup(prefix);
        group.RequireAuthorization();
        group.MapMethods("/ws", [HttpMethods.Get, HttpMethods.Connect], context => context.RequestServices.GetRequiredService<WebSocketEndpoint>().HandleAsync(context));
        RestEndpoints.Map(group);
        if (isService.IsService(typeof(MediaService)))
        {
            TusEndpoints.Map(group);
            MediaDownloadEndpoint.Map(group);
        }

        UserRequestLimiter.Apply(group);
        return group;
    }
}
