// The snippets of src/Messaging.Transports/Messaging.Transports.AspNetCore/README.md, verbatim.
using Messaging.Transports.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Docs.Tests.Snippets;

/// <summary>The gateway package's README code, compiled as written.</summary>
internal static class GatewayReadme
{
    /// <summary>The gateway under <c>/chat</c>, the user id from the token's own <c>sub</c> claim: runs until the host stops.</summary>
    public static void Program(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddMessaging();                                  // the engine (in-memory adapters by default)
        builder.Services.AddMessagingGateway(o =>
        {
            o.AllowedOrigins.Add("https://chat.example.com");             // browsers' origins (default: same origin only)
            o.UserIdClaimType = "sub";                                    // default: ClaimTypes.NameIdentifier, then Identity.Name
        });
        builder.Services.AddAuthentication()                              // YOUR authentication: every endpoint requires a user
            .AddJwtBearer(o => o.MapInboundClaims = false);               // keep the token's claim names: "sub" stays "sub"

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();                                           // after UseAuthentication, or every request gets 401
        app.MapMessaging("/chat");                                        // GET /chat/ws + REST under /chat
        app.Run();
    }

    /// <summary>The insecure development scheme.</summary>
    public static void DevelopmentAuthentication(WebApplicationBuilder builder)
    {
        builder.Services
            .AddAuthentication(MessagingDevelopmentAuthenticationDefaults.AuthenticationScheme)
            .AddMessagingDevelopmentAuthentication();
    }
}
