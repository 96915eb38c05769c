using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Messaging.Protocol;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Messaging.Transports.AspNetCore;

/// <summary>
/// INSECURE, for local development and tests only: trusts the caller to say who they are. The user id comes from
/// <c>Authorization: Bearer &lt;user&gt;</c> or, for browsers that cannot set WebSocket headers, the
/// <c>access_token=&lt;user&gt;</c> query parameter. Ids must be 1-64 letters, digits or <c>- _ . @</c>.
/// </summary>
internal sealed class DevelopmentAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string BearerPrefix = "Bearer ";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? token = null;
        var authorization = Request.Headers.Authorization.ToString();
        if (authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            token = authorization[BearerPrefix.Length..].Trim();
        }
        else if (Request.Query.TryGetValue("access_token", out var queryToken))
        {
            token = queryToken.ToString();
        }

        if (token is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!Identifiers.IsValidUserId(token))
        {
            return Task.FromResult(AuthenticateResult.Fail("The user id must be 1-64 letters, digits or - _ . @"));
        }

        Claim[] claims = [new(ClaimTypes.NameIdentifier, token), new(ClaimTypes.Name, token)];
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        WriteErrorAsync(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, "Authentication required.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteErrorAsync(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, "Forbidden.");

    private Task WriteErrorAsync(int status, string code, string message)
    {
        Response.StatusCode = status;
        if (Response.HasStarted)
        {
            return Task.CompletedTask;
        }

        Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(Response.Body, new ErrorBody(new ErrorDetail(code, message)), ProtocolJsonContext.Default.ErrorBody, Context.RequestAborted);
    }
}
