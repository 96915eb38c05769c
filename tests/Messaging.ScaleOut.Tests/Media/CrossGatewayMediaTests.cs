using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Messaging.Protocol;
using Messaging.ScaleOut.Tests.Infrastructure;
using Messaging.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.ScaleOut.Tests.Media;

/// <summary>
/// Media on a cluster whose gateways share the Redis media catalog and one blob folder: an upload resumes through
/// another gateway after its gateway died, downloads and is sent through any gateway, and survives a restart of all.
/// </summary>
public sealed class CrossGatewayMediaTests : IAsyncLifetime
{
    private const int MiB = 1024 * 1024;

    private readonly string _blobRoot = Path.Combine(Path.GetTempPath(), "messaging-cluster-media-" + Guid.NewGuid().ToString("N"));
    private RedisServer? _redis;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        if (RedisServer.UnavailableReason is null)
        {
            _redis = await RedisServer.StartAsync();
        }
    }

    [Fact]
    public async Task Upload_resumes_after_its_gateway_dies_downloads_and_is_sent_through_others_and_survives_a_restart_of_all()
    {
        RedisServer.SkipWhenUnavailable();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (alice, bob) = ($"alice-{suffix}", $"bob-{suffix}");
        var data = Files.Png((3 * MiB) + 12_345);
        string mediaId;
        await using (var gateways = await StartGatewaysAsync())
        {
            // Gateway 0 takes the creation and the first MiB, then dies with the PATCH still open.
            using var first = Tus(gateways, 0, alice);
            using var second = Tus(gateways, 1, alice);
            mediaId = await first.CreateUploadAsync(data.Length, "holiday.png", "image/png");
            var body = new StalledBody(data[..MiB]);
            var patch = first.Http.SendAsync(PatchRequest(mediaId, 0, new StreamContent(body)), Ct);
            await WaitForOffsetAsync(second, mediaId, MiB);
            var kill = gateways.KillAsync(0);
            body.Break();
            await kill;
            await Assert.ThrowsAnyAsync<Exception>(async () => (await patch).EnsureSuccessStatusCode());

            // Gateway 1 knows the upload and where it stands, and finishes it.
            Assert.Equal(MiB, await OffsetAsync(second, mediaId));
            using (var rest = await second.Http.SendAsync(PatchRequest(mediaId, MiB, new ByteArrayContent(data[MiB..])), Ct))
            {
                Assert.Equal(HttpStatusCode.NoContent, rest.StatusCode);
            }

            await AssertDownloadsAsync(gateways, 2, alice, mediaId, data);

            // Sent through gateway 1, received on gateway 2, downloaded there by the recipient.
            await using var sender = await ChatUser.ConnectAsync(gateways, 1, alice, existing: true);
            await using var recipient = await ChatUser.ConnectAsync(gateways, 2, bob, existing: true);
            var chat = await sender.Client.CreateDirectConversationAsync(bob, Ct);
            await sender.Client.SendAsync(chat.ConversationId, "the view", mediaId, Ct);
            var received = Assert.Single(await recipient.WaitForMessagesAsync(chat.ConversationId, 1));
            Assert.Equal((mediaId, new MediaData("image/png", data.Length, "holiday.png")), (received.MediaId, received.Media));
            await AssertDownloadsAsync(gateways, 2, bob, mediaId, data);
        }

        await using var restarted = await StartGatewaysAsync();
        for (var gateway = 0; gateway < 3; gateway++)
        {
            await AssertDownloadsAsync(restarted, gateway, alice, mediaId, data);
            await AssertDownloadsAsync(restarted, gateway, bob, mediaId, data);
        }

        using var stranger = Tus(restarted, 0, $"mallory-{suffix}");
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.DownloadAsync(mediaId)).StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        if (Directory.Exists(_blobRoot))
        {
            Directory.Delete(_blobRoot, recursive: true);
        }
    }

    // Three gateways on the one Redis, all storing blobs in one folder (a shared volume in production).
    private Task<Gateways> StartGatewaysAsync() =>
        Gateways.StartAsync(_redis!, configureServices: (_, services, _) => services.AddMessagingMedia(o => o.FileSystemRootPath = _blobRoot));

    private static TusClient Tus(Gateways gateways, int gateway, string userId) => new(gateways[gateway].CreateHttpClient(userId));

    private static HttpRequestMessage PatchRequest(string mediaId, long offset, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, $"{TusClient.UploadsPath}/{mediaId}") { Content = content };
        request.Headers.Add("Tus-Resumable", "1.0.0");
        request.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
        return request;
    }

    private static async Task<long> OffsetAsync(TusClient client, string mediaId)
    {
        using var head = await client.HeadAsync(mediaId);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        return long.Parse(head.Headers.GetValues("Upload-Offset").Single(), CultureInfo.InvariantCulture);
    }

    private static async Task WaitForOffsetAsync(TusClient client, string mediaId, long offset)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(ChatUser.Timeout);
        while (await OffsetAsync(client, mediaId) < offset)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), timeout.Token);
        }
    }

    private static async Task AssertDownloadsAsync(Gateways gateways, int gateway, string userId, string mediaId, byte[] expected)
    {
        using var client = Tus(gateways, gateway, userId);
        using var response = await client.DownloadAsync(mediaId);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{userId} through gateway{gateway}: {response.StatusCode}");
        Assert.Equal(Files.Sha256(expected), Files.Sha256(await response.Content.ReadAsByteArrayAsync(Ct)));
    }

    /// <summary>A request body that sends its first bytes, then waits until <see cref="Break"/> fails it (a dropped connection).</summary>
    private sealed class StalledBody(byte[] head) : Stream
    {
        private readonly TaskCompletionSource _broken = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _sent;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _sent;
            set => throw new NotSupportedException();
        }

        public void Break() => _broken.TrySetException(new IOException("The connection to the gateway broke."));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_sent < head.Length)
            {
                var count = Math.Min(buffer.Length, head.Length - _sent);
                head.AsMemory(_sent, count).CopyTo(buffer);
                _sent += count;
                return count;
            }

            await _broken.Task.WaitAsync(cancellationToken);
            return 0;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
