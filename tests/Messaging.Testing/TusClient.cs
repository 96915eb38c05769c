using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Xunit;

namespace Messaging.Testing;

/// <summary>A raw tus 1.0 client over <see cref="HttpClient"/>, so tests can send exactly the bytes and headers they mean.</summary>
/// <param name="http">An HTTP client on the server's base address, authenticated as the user.</param>
public sealed class TusClient(HttpClient http) : IDisposable
{
    /// <summary>The tus creation address, relative to the server's base address.</summary>
    public const string UploadsPath = "media/uploads";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The HTTP client (its base address is the server's, its authorization the user's).</summary>
    public HttpClient Http { get; } = http;

    /// <summary>Sends a tus creation (POST) with the given length and metadata; <paramref name="tusVersion"/> null leaves out <c>Tus-Resumable</c>.</summary>
    public async Task<HttpResponseMessage> CreateAsync(long length, string? fileName, string? fileType, string? tusVersion = "1.0.0")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, UploadsPath);
        if (tusVersion is not null)
        {
            request.Headers.Add("Tus-Resumable", tusVersion);
        }

        request.Headers.Add("Upload-Length", length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var metadata = new List<string>();
        if (fileName is not null)
        {
            metadata.Add("filename " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(fileName)));
        }

        if (fileType is not null)
        {
            metadata.Add("filetype " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(fileType)));
        }

        if (metadata.Count > 0)
        {
            request.Headers.Add("Upload-Metadata", string.Join(',', metadata));
        }

        return await Http.SendAsync(request, Ct);
    }

    /// <summary>Creates an upload, expecting 201, and returns its media id (the last segment of <c>Location</c>).</summary>
    public async Task<string> CreateUploadAsync(long length, string fileName, string fileType)
    {
        using var response = await CreateAsync(length, fileName, fileType);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return response.Headers.Location!.Segments[^1];
    }

    /// <summary>Sends a PATCH of <paramref name="body"/> at <paramref name="offset"/> (chunked when <paramref name="knownLength"/> is false).</summary>
    public async Task<HttpResponseMessage> PatchAsync(string mediaId, long? offset, byte[] body, bool knownLength = true, string contentType = "application/offset+octet-stream")
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"{UploadsPath}/{mediaId}");
        request.Headers.Add("Tus-Resumable", "1.0.0");
        if (offset is { } value)
        {
            request.Headers.Add("Upload-Offset", value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        // Without a known length the body goes chunked, so the server only finds an overrun while reading.
        HttpContent content = knownLength ? new ByteArrayContent(body) : new StreamContent(new UnknownLengthStream(body));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Content = content;
        return await Http.SendAsync(request, Ct);
    }

    /// <summary>Asks for an upload's offset (HEAD).</summary>
    public async Task<HttpResponseMessage> HeadAsync(string mediaId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, $"{UploadsPath}/{mediaId}");
        request.Headers.Add("Tus-Resumable", "1.0.0");
        return await Http.SendAsync(request, Ct);
    }

    /// <summary>Terminates an upload (DELETE).</summary>
    public async Task<HttpResponseMessage> DeleteAsync(string mediaId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"{UploadsPath}/{mediaId}");
        request.Headers.Add("Tus-Resumable", "1.0.0");
        return await Http.SendAsync(request, Ct);
    }

    /// <summary>Downloads media (<c>GET media/{id}</c>), optionally a range.</summary>
    public async Task<HttpResponseMessage> DownloadAsync(string mediaId, RangeHeaderValue? range = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"media/{mediaId}");
        request.Headers.Range = range;
        return await Http.SendAsync(request, Ct);
    }

    /// <summary>Uploads a whole file in one PATCH, expecting success, and returns its media id.</summary>
    public async Task<string> UploadAsync(byte[] data, string fileName, string fileType)
    {
        var id = await CreateUploadAsync(data.Length, fileName, fileType);
        using var response = await PatchAsync(id, 0, data);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        return id;
    }

    /// <summary>Disposes the HTTP client.</summary>
    public void Dispose() => Http.Dispose();
}

/// <summary>Bytes the tests upload.</summary>
public static class Files
{
    /// <summary>The eight bytes every PNG starts with.</summary>
    public static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>A PNG signature followed by random bytes (enough for the content check).</summary>
    public static byte[] Png(int length)
    {
        var data = RandomNumberGenerator.GetBytes(length);
        PngSignature.CopyTo(data, 0);
        return data;
    }

    /// <summary>The SHA-256 of the bytes, lowercase hex (what downloads are compared by).</summary>
    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));
}

/// <summary>A stream that hides its length, so HttpClient sends it chunked.</summary>
public sealed class UnknownLengthStream(byte[] data) : MemoryStream(data, writable: false)
{
    /// <inheritdoc />
    public override bool CanSeek => false;
}
