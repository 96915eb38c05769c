using Messaging.Transports.AspNetCore;
using Microsoft.AspNetCore.Authentication;

// The messaging sample server: the engine with its in-memory adapters (one process, zero setup), the WebSocket and
// REST gateway of protocol v1, and a browser chat UI served from wwwroot.
//   dotnet run --project samples/ChatServer      then open http://localhost:5000 in two browser profiles.
var builder = WebApplication.CreateBuilder(args);

builder.Services.AddMessaging();
builder.Services.AddMessagingGateway();

// Development sign-in: the user id IS the bearer token (`Authorization: Bearer alice` or `?access_token=alice`).
// INSECURE, anybody can claim to be anybody: for local use only. On in the Development environment or with
// Messaging:DevelopmentAuthentication=true. A real host registers its own scheme (JWT bearer, cookies...) instead.
if (builder.Configuration.GetValue("Messaging:DevelopmentAuthentication", builder.Environment.IsDevelopment()))
{
    builder.Services.AddAuthentication(MessagingDevelopmentAuthenticationDefaults.AuthenticationScheme)
        .AddMessagingDevelopmentAuthentication();
}

var app = builder.Build();

// Fail at start rather than answer every request with 401.
if (app.Services.GetService<IAuthenticationSchemeProvider>() is not { } schemes
    || await schemes.GetDefaultAuthenticateSchemeAsync() is null)
{
    throw new InvalidOperationException(
        "No authentication scheme is configured. For local use only, enable the insecure development scheme with " +
        "Messaging:DevelopmentAuthentication=true (or run in the Development environment); in production, register " +
        "your own authentication scheme as the default.");
}

app.UseDefaultFiles();
app.UseStaticFiles();
app.MapMessaging();

await app.RunAsync();
