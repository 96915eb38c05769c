using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Messaging.Transports.AspNetCore;

/// <summary>
/// <c>GET {prefix}/media/{media_id}</c>: the bytes of completed media, for its uploader and for members of a
/// conversation it was sent in (everyone else: 404), with single byte-range support (206/416). Never rendered as a
/// page: <c>nosniff</c>, a sandboxing CSP, and <c>attachment</c> except for raster images.
/// </summary>
internal static class MediaDownloadEndpoint
{
    public static void Map(IEndpointRouteBuilder group) =>
        group.MapGet("/media/{mediaId}", MediaCall.Handle(tus: false, DownloadAsync));

    private static async Task DownloadAsync(MediaCall call)
    {
        var media = await call.Media.AuthorizeDownloadAsync(call.UserId, call.MediaId(), call.Aborted).ConfigureAwait(false);
        var response = call.Context.Response;
        var headers = response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        headers.CacheControl = "private, no-cache";
        headers.AcceptRanges = "bytes";
        if (media.Sha256 is { } sha256)
        {
            headers.ETag = $"\"{sha256}\"";
        }

        var disposition = new ContentDispositionHeaderValue(MediaService.CanDisplayInline(media.ContentType) ? "inline" : "attachment");
        disposition.SetHttpFileName(media.FileName);
        headers.ContentDisposition = disposition.ToString();

        long start = 0, length = media.Length;
        switch (ParseRange(call.Context.Request, media.Length))
        {
            case { Satisfiable: false }:
                headers.ContentRange = $"bytes */{media.Length.ToString(CultureInfo.InvariantCulture)}";
                await MediaCall.WriteErrorAsync(call.Context, StatusCodes.Status416RangeNotSatisfiable, MediaErrorCodes.RangeNotSatisfiable, "The range is outside the media.").ConfigureAwait(false);
                return;
            case { } range:
                (start, length) = (range.Start, range.Length);
                response.StatusCode = StatusCodes.Status206PartialContent;
                headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {start}-{start + length - 1}/{media.Length}");
                break;
            default:
                response.StatusCode = StatusCodes.Status200OK;
                break;
        }

        var stream = await call.Media.OpenReadAsync(media, start, length, call.Aborted).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            response.ContentType = media.ContentType;
            response.ContentLength = length;
            await stream.CopyToAsync(response.Body, call.Aborted).ConfigureAwait(false);
        }
    }

    // One "bytes" range; several ranges or other units are ignored (the whole body is served, as RFC 9110 allows).
    private static ByteRange? ParseRange(HttpRequest request, long total)
    {
        var header = request.Headers.Range.ToString();
        if (header.Length == 0 || !RangeHeaderValue.TryParse(header, out var parsed)
            || !string.Equals(parsed.Unit.Value, "bytes", StringComparison.OrdinalIgnoreCase) || parsed.Ranges.Count != 1)
        {
            return null;
        }

        var item = parsed.Ranges.First();
        if (item.From is { } from)
        {
            if (from >= total)
            {
                return new ByteRange(0, 0, Satisfiable: false);
            }

            var to = Math.Min(item.To ?? total - 1, total - 1);
            return to < from ? new ByteRange(0, 0, Satisfiable: false) : new ByteRange(from, to - from + 1, Satisfiable: true);
        }

        if (item.To is { } suffix && suffix > 0)
        {
            var count = Math.Min(suffix, total);
            return new ByteRange(total - count, count, Satisfiable: true);
        }

        return new ByteRange(0, 0, Satisfiable: false);
    }

    private readonly record struct ByteRange(long Start, long Length, bool Satisfiable);
}
