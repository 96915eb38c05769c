using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Messaging.Transports.AspNetCore;

/// <summary>
/// tus 1.0 resumable uploads under <c>{prefix}/media/uploads</c>: OPTIONS (discovery), POST (creation), HEAD (offset),
/// PATCH (append at <c>Upload-Offset</c>), DELETE (termination). The upload id in the returned <c>Location</c> is the
/// <c>media_id</c> a message references once the upload is complete.
/// </summary>
internal static class TusEndpoints
{
    public static void Map(IEndpointRouteBuilder group)
    {
        var uploads = group.MapGroup("/media/uploads");

        // Discovery carries no user data; browsers send it as a CORS preflight without credentials.
        uploads.MapMethods(string.Empty, [HttpMethods.Options], Discover).AllowAnonymous();
        uploads.MapMethods("/{mediaId}", [HttpMethods.Options], Discover).AllowAnonymous();
        uploads.MapPost(string.Empty, MediaCall.Handle(tus: true, CreateAsync));
        uploads.MapMethods("/{mediaId}", [HttpMethods.Head], MediaCall.Handle(tus: true, HeadAsync));
        uploads.MapMethods("/{mediaId}", [HttpMethods.Patch], MediaCall.Handle(tus: true, PatchAsync));
        uploads.MapDelete("/{mediaId}", MediaCall.Handle(tus: true, DeleteAsync));
    }

    private static Task Discover(HttpContext context)
    {
        var media = context.RequestServices.GetRequiredMediaService();
        var headers = context.Response.Headers;
        headers[TusProtocol.TusResumable] = TusProtocol.Version;
        headers[TusProtocol.TusVersion] = TusProtocol.Version;
        headers[TusProtocol.TusExtension] = TusProtocol.Extensions;
        headers[TusProtocol.TusMaxSize] = media.Options.MaxUploadBytes.ToString(CultureInfo.InvariantCulture);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private static async Task CreateAsync(MediaCall call)
    {
        var request = call.Context.Request;
        if (TusProtocol.ReadInt64(request, TusProtocol.UploadLength) is not { } length)
        {
            throw new MessagingValidationException(MessagingErrorKind.BadRequest, "Upload-Length (a non-negative integer) is required; deferred lengths are not supported.");
        }

        var metadata = TusProtocol.ParseMetadata(request.Headers[TusProtocol.UploadMetadata].ToString())
            ?? throw new MessagingValidationException(MessagingErrorKind.BadRequest, "Upload-Metadata must be comma-separated 'key base64value' pairs.");

        var upload = await call.Media.CreateUploadAsync(
            call.UserId,
            length,
            TusProtocol.First(metadata, TusProtocol.FileTypeKeys),
            TusProtocol.First(metadata, TusProtocol.FileNameKeys),
            call.Aborted).ConfigureAwait(false);

        var path = request.PathBase.Add(request.Path).Value!.TrimEnd('/') + "/" + upload.MediaId;
        var response = call.Context.Response;
        response.Headers.Location = $"{request.Scheme}://{request.Host}{path}";
        response.Headers[TusProtocol.UploadOffset] = "0";
        response.StatusCode = StatusCodes.Status201Created;
    }

    private static async Task HeadAsync(MediaCall call)
    {
        var progress = await call.Media.GetUploadAsync(call.UserId, call.MediaId(), call.Aborted).ConfigureAwait(false);
        var response = call.Context.Response;
        response.Headers[TusProtocol.UploadOffset] = progress.Offset.ToString(CultureInfo.InvariantCulture);
        response.Headers[TusProtocol.UploadLength] = progress.Media.Length.ToString(CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "no-store";
        response.StatusCode = StatusCodes.Status200OK;
    }

    private static async Task PatchAsync(MediaCall call)
    {
        var request = call.Context.Request;
        if (!string.Equals(request.ContentType, TusProtocol.OffsetContentType, StringComparison.OrdinalIgnoreCase))
        {
            throw new MediaTypeRejectedException($"PATCH bodies must be {TusProtocol.OffsetContentType}.");
        }

        // A missing or malformed offset cannot match the upload's: answered like a wrong one (409).
        var offset = TusProtocol.ReadInt64(request, TusProtocol.UploadOffset)
            ?? throw new MediaOffsetConflictException(-1, "Upload-Offset (a non-negative integer) is required.");
        var mediaId = call.MediaId();
        var current = await call.Media.GetUploadAsync(call.UserId, mediaId, call.Aborted).ConfigureAwait(false);
        if (request.ContentLength is { } declared && current.Offset == offset && declared > current.Media.Length - offset)
        {
            // Known to overrun before a byte is read: nothing is kept.
            await call.Media.DeleteUploadAsync(call.UserId, mediaId, call.Aborted).ConfigureAwait(false);
            throw new MediaLengthExceededException($"The chunk goes past the declared length of {current.Media.Length} bytes; the upload was deleted.");
        }

        if (call.Context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // The declared length bounds the body; the store refuses anything past it.
            limit.MaxRequestBodySize = null;
        }

        var progress = await call.Media.AppendAsync(call.UserId, mediaId, offset, request.Body, call.Aborted).ConfigureAwait(false);
        call.Context.Response.Headers[TusProtocol.UploadOffset] = progress.Offset.ToString(CultureInfo.InvariantCulture);
        call.Context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task DeleteAsync(MediaCall call)
    {
        await call.Media.DeleteUploadAsync(call.UserId, call.MediaId(), call.Aborted).ConfigureAwait(false);
        call.Context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static MediaService GetRequiredMediaService(this IServiceProvider services) =>
        (MediaService?)services.GetService(typeof(MediaService)) ?? throw new InvalidOperationException("Media endpoints need services.AddMessagingMedia().");
}
