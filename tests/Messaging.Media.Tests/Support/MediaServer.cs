using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Messaging.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Media.Tests;

/// <summary>A chat server with media uploads under a private blob root, and tus clients for its users.</summary>
internal sealed class MediaServer : IAsyncDisposable
{
    private MediaServer(ChatServer server, string root)
    {
        Server = server;
        Root = root;
    }

    public ChatServer Server { get; }

    /// <summary>The filesystem blob store's root: every byte the server keeps for uploads is in here.</summary>
    public string Root { get; }

    public static async Task<MediaServer> StartAsync(Action<MediaOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "messaging-media-" + Guid.NewGuid().ToString("N"));
        var server = await ChatServer.StartAsync(o => o.ConfigureServices = s =>
        {
            services?.Invoke(s);
            s.AddMessagingMedia(m =>
            {
                m.FileSystemRootPath = root;
                configure?.Invoke(m);
            });
        }, TestContext.Current.CancellationToken);
        return new MediaServer(server, root);
    }

    public TusClient Client(string? userId) => new(Server.CreateHttpClient(userId));

    public IReadOnlyList<string> StoredFiles() =>
        Directory.Exists(Root) ? [.. Directory.EnumerateFileSystemEntries(Root, "*", SearchOption.AllDirectories)] : [];

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}

/// <summary>A raw tus 1.0 client over <see cref="HttpClient"/>, so tests can send exactly the bytes and headers they mean.</summary>
internal sealed class TusClient(HttpClient http) : IDisposable
{
    public const string UploadsPath = "media/uploads";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public HttpClient Http { get; } = http;

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

    public async Task<HttpResponseMessage> HeadAsync(string mediaId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, $"{UploadsPath}/{mediaId}");
        request.Headers.Add("Tus-Resumable", "1.0.0");
        return await Http.SendAsync(request, Ct);
    }

    public async Task<HttpResponseMessage> DeleteAsync(string mediaId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"{UploadsPath}/{mediaId}");
        request.Headers.Add("Tus-Resumable", "1.0.0");
        return await Http.SendAsync(request, Ct);
    }

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

    public void Dispose() => Http.Dispose();
}

/// <summary>Bytes the tests upload.</summary>
internal static class Files
{
    public static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>A PNG signature followed by random bytes (enough for the content check).</summary>
    public static byte[] Png(int length)
    {
        var data = RandomNumberGenerator.GetBytes(length);
        PngSignature.CopyTo(data, 0);
        return data;
    }

    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));
}

/// <summary>A stream that hides its length, so HttpClient sends it chunked.</summary>
internal sealed class UnknownLengthStream(byte[] data) : MemoryStream(data, writable: false)
{
    public override bool CanSeek => false;
}
