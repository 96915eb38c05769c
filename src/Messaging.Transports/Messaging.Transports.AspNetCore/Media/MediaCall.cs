using Messaging.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Messaging.Transports.AspNetCore;

/// <summary>
/// One media request: the authenticated caller, the media service, and the one place that maps failures onto
/// statuses (404 not yours or missing, 409 offset conflict, 413 too large or over the storage quota, 415 type refused,
/// 429 too many open uploads).
/// </summary>
internal sealed class MediaCall
{
    private MediaCall(HttpContext context, MediaService media, string userId)
    {
        Context = context;
        Media = media;
        UserId = userId;
    }

    public HttpContext Context { get; }

    public MediaService Media { get; }

    /// <summary>The authenticated caller.</summary>
    public string UserId { get; }

    public CancellationToken Aborted => Context.RequestAborted;

    /// <summary>Wraps a handler; <paramref name="tus"/> requests get <c>Tus-Resumable</c> on every response and a version check.</summary>
    public static RequestDelegate Handle(bool tus, Func<MediaCall, Task> handler) => async context =>
    {
        var services = context.RequestServices;
        if (tus)
        {
            context.Response.Headers[TusProtocol.TusResumable] = TusProtocol.Version;
            if (!string.Equals(context.Request.Headers[TusProtocol.TusResumable].ToString(), TusProtocol.Version, StringComparison.Ordinal))
            {
                context.Response.Headers[TusProtocol.TusVersion] = TusProtocol.Version;
                await WriteErrorAsync(context, StatusCodes.Status412PreconditionFailed, ErrorCodes.BadRequest, $"Tus-Resumable {TusProtocol.Version} is required.").ConfigureAwait(false);
                return;
            }
        }

        var options = services.GetRequiredService<IOptions<MessagingGatewayOptions>>().Value;
        var userId = Identifiers.UserIdOf(context.User, options.UserIdClaimType);
        if (userId is null)
        {
            await WriteErrorAsync(context, StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, "Authentication required.").ConfigureAwait(false);
            return;
        }

        try
        {
            await handler(new MediaCall(context, services.GetRequiredService<MediaService>(), userId)).ConfigureAwait(false);
        }
        catch (MediaOffsetConflictException exception)
        {
            if (exception.CurrentOffset >= 0)
            {
                context.Response.Headers[TusProtocol.UploadOffset] = exception.CurrentOffset.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            await WriteErrorAsync(context, StatusCodes.Status409Conflict, MediaErrorCodes.Conflict, exception.Message).ConfigureAwait(false);
        }
        catch (MediaQuotaExceededException exception)
        {
            await WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, MediaErrorCodes.QuotaExceeded, exception.Message).ConfigureAwait(false);
        }
        catch (MediaLengthExceededException exception)
        {
            await WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, ErrorCodes.TooLarge, exception.Message).ConfigureAwait(false);
        }
        catch (MediaTypeRejectedException exception)
        {
            await WriteErrorAsync(context, StatusCodes.Status415UnsupportedMediaType, MediaErrorCodes.UnsupportedMediaType, exception.Message).ConfigureAwait(false);
        }
        catch (MessagingException exception)
        {
            await WriteErrorAsync(context, ErrorMapping.HttpStatus(exception.Kind), ErrorMapping.Code(exception.Kind), ErrorMapping.SafeMessage(exception)).ConfigureAwait(false);
        }
        catch (Exception exception) when (context.RequestAborted.IsCancellationRequested || exception is BadHttpRequestException or IOException or OperationCanceledException)
        {
            // The client went away or sent a broken body; the bytes received so far stay and it resumes after HEAD.
            services.GetRequiredService<ILogger<MediaCall>>().MediaRequestAborted(context.Request.Method, exception.GetType().Name);
        }
        catch (Exception exception)
        {
            services.GetRequiredService<ILogger<MediaCall>>().MediaRequestFailed(context.Request.Method, exception);
            await WriteErrorAsync(context, StatusCodes.Status500InternalServerError, ErrorCodes.Internal, "An internal error occurred.").ConfigureAwait(false);
        }
    };

    public string MediaId() => Context.Request.RouteValues["mediaId"] as string ?? string.Empty;

    /// <summary>Writes an error: a JSON body, except for HEAD (status only) or when the response already started.</summary>
    public static Task WriteErrorAsync(HttpContext context, int status, string code, string message)
    {
        if (context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }

        if (HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }

        return RestResponses.WriteErrorAsync(context, status, code, message);
    }
}

/// <summary>Error codes of media responses beyond the protocol's shared ones.</summary>
internal static class MediaErrorCodes
{
    public const string Conflict = "conflict";
    public const string QuotaExceeded = "quota_exceeded";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string RangeNotSatisfiable = "range_not_satisfiable";
}

/// <summary>Log events of the media endpoints (ids 2100-2119).</summary>
internal static partial class MediaGatewayLog
{
    [LoggerMessage(2100, LogLevel.Debug, "Media {Method} request ended early ({Reason}); received bytes are kept for resumption")]
    public static partial void MediaRequestAborted(this ILogger logger, string method, string reason);

    [LoggerMessage(2101, LogLevel.Error, "Media {Method} request failed")]
    public static partial void MediaRequestFailed(this ILogger logger, string method, Exception exception);
}
