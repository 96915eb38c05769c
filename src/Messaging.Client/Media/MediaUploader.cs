using System.Globalization;
using System.Net;
using System.Text;
using Messaging.Client.Rest;

namespace Messaging.Client.Media;

/// <summary>
/// A tus 1.0 client (creation, then PATCH at <c>Upload-Offset</c>): uploads a seekable stream in chunks, and after a
/// failed chunk (connection lost, 409, server error) asks the server for its offset (<c>HEAD</c>) and goes on from there.
/// </summary>
internal sealed class MediaUploader(RestClient rest, TimeProvider time)
{
    public const int ChunkBytes = 4 * 1024 * 1024;
    public const int MaxAttempts = 5;
    private const string UploadsPath = "media/uploads";
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(200);

    public async Task<UploadedMedia> UploadAsync(Stream content, string fileName, string contentType, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var length = content.Length - content.Position;
        var start = content.Position;
        var location = await CreateAsync(length, fileName, contentType, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[(int)Math.Min(ChunkBytes, Math.Max(1, length))];
        long offset = 0;
        var failures = 0;
        progress?.Report(0);
        while (offset < length)
        {
            try
            {
                content.Position = start + offset;
                var count = (int)Math.Min(buffer.Length, length - offset);
                await content.ReadExactlyAsync(buffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
                offset = await PatchAsync(location, offset, buffer, count, cancellationToken).ConfigureAwait(false);
                failures = 0;
                progress?.Report(offset);
                continue;
            }
            catch (Exception exception) when (IsTransient(exception) && ++failures < MaxAttempts && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(FirstRetryDelay * (1 << (failures - 1)), time, cancellationToken).ConfigureAwait(false);
            }

            offset = await HeadOffsetAsync(location, cancellationToken).ConfigureAwait(false) ?? offset;
        }

        return new UploadedMedia(location.Segments[^1], length, contentType, fileName);
    }

    private static bool IsTransient(Exception exception) => exception switch
    {
        HttpRequestException or IOException => true,
        MessagingClientException { StatusCode: HttpStatusCode.Conflict } => true,
        MessagingClientException { StatusCode: >= HttpStatusCode.InternalServerError } => true,
        _ => false,
    };

    private async Task<Uri> CreateAsync(long length, string fileName, string contentType, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, UploadsPath);
        request.Headers.Add("Tus-Resumable", "1.0.0");
        request.Headers.Add("Upload-Length", length.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("Upload-Metadata", $"filename {Base64(fileName)},filetype {Base64(contentType)}");
        using var reply = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        return reply.Headers.Location ?? throw new MessagingClientException(ClientErrorCodes.ProtocolError, "The upload was created without a Location.", reply.StatusCode);
    }

    private async Task<long> PatchAsync(Uri location, long offset, byte[] buffer, int count, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, location);
        request.Headers.Add("Tus-Resumable", "1.0.0");
        request.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
        request.Content = new ByteArrayContent(buffer, 0, count);
        request.Content.Headers.ContentType = new("application/offset+octet-stream");
        using var reply = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        return ReadOffset(reply) ?? offset + count;
    }

    private async Task<long?> HeadOffsetAsync(Uri location, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, location);
        request.Headers.Add("Tus-Resumable", "1.0.0");
        try
        {
            using var reply = await SendAsync(request, cancellationToken).ConfigureAwait(false);
            return ReadOffset(reply);
        }
        catch (HttpRequestException)
        {
            // Still unreachable: the next PATCH finds out again and counts as another failure.
            return null;
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var reply = await rest.SendRawAsync(request, cancellationToken).ConfigureAwait(false);
        if (reply.IsSuccessStatusCode)
        {
            return reply;
        }

        using (reply)
        {
            throw await RestClient.ErrorOfAsync(reply, cancellationToken).ConfigureAwait(false);
        }
    }

    private static long? ReadOffset(HttpResponseMessage reply) =>
        reply.Headers.TryGetValues("Upload-Offset", out var values)
        && long.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var offset) ? offset : null;

    private static string Base64(string value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(value));
}
