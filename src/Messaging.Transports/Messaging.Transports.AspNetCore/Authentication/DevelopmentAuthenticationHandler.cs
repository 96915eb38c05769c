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
/// <c>access_token=&lt;user&gt;</c> query parameter. Ids must have the form of <see cref="UserIds"/> (1-64 letters or
/// digits of any script, or <c>. _ @ -</c>); a malformed one is answered with 400 <c>bad_request</c>, a missing one
/// with 401.
/// </summary>
internal sealed class DevelopmentAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string BearerPrefix = "Bearer ";

    private const string MalformedUserId = "The user id must be " + UserIds.Description + ".";

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

        if (!UserIds.IsValid(token))
        {
            return Task.FromResult(AuthenticateResult.Fail(MalformedUserId));
        }

        Claim[] claims = [new(ClaimTypes.NameIdentifier, token), new(ClaimTypes.Name, token)];
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // A token that is not a well-formed user id is a bad request, not a missing sign-in.
        var result = await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false);
        await (result.Failure?.Message == MalformedUserId
            ? WriteErrorAsync(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, MalformedUserId)
            : WriteErrorAsync(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, "Authentication required.")).ConfigureAwait(false);
    }

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
