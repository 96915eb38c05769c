using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Messaging.Media.Tests.Limits;

/// <summary>
/// The per-user storage quota: uploads not yet sent count (incomplete ones by declared length); going past it is 413
/// with a tus error body and leaves nothing behind; sending media gives its bytes back.
/// </summary>
public sealed class UploadQuotaTests
{
    private const int MiB = 1024 * 1024;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Unsent_uploads_past_the_quota_are_refused_with_413_and_a_tus_error_body_and_nothing_is_created()
    {
        await using var media = await MediaServer.StartAsync(o =>
        {
            o.MaxUploadBytes = MiB;
            o.MaxPendingBytesPerUser = 3 * MiB;
        });
        using var alice = media.Client("alice");
        for (var i = 0; i < 3; i++)
        {
            await alice.UploadAsync(Files.Png(MiB), $"photo{i}.png", "image/png");
        }

        using var refused = await alice.CreateAsync(MiB, "photo3.png", "image/png");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Equal("1.0.0", Assert.Single(refused.Headers.GetValues("Tus-Resumable")));
        Assert.Null(refused.Headers.Location);
        using var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Ct));
        var error = body.RootElement.GetProperty("error");
        Assert.Equal("quota_exceeded", error.GetProperty("code").GetString());
        Assert.Contains("quota", error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(3, media.StoredFiles().Count);

        // Another user has a quota of their own.
        await media.Client("bob").UploadAsync(Files.Png(MiB), "bob.png", "image/png");
    }

    [Fact]
    public async Task Incomplete_uploads_count_by_declared_length_and_deleting_one_gives_it_back()
    {
        await using var media = await MediaServer.StartAsync(o =>
        {
            o.MaxUploadBytes = 2 * MiB;
            o.MaxPendingBytesPerUser = 3 * MiB;
        });
        using var alice = media.Client("alice");
        var open = await alice.CreateUploadAsync(2 * MiB, "video.mp4", "video/mp4");

        using (var refused = await alice.CreateAsync((MiB * 3 / 2) + 1, "big.png", "image/png"))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        }

        Assert.Equal(2, media.StoredFiles().Count);   // the open upload's bytes and declared length only
        using (var deleted = await alice.DeleteAsync(open))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        await alice.UploadAsync(Files.Png(2 * MiB), "big.png", "image/png");
    }

    [Fact]
    public async Task Sending_media_in_a_message_gives_its_bytes_back_to_the_quota()
    {
        await using var media = await MediaServer.StartAsync(o =>
        {
            o.MaxUploadBytes = MiB;
            o.MaxPendingBytesPerUser = MiB;
        });
        var conversation = await MediaChat.CreateConversationAsync(media.Server, "alice", Protocol.CreateConversationRequest.Direct("bob"));
        using var aliceHttp = media.Client("alice");
        var first = await aliceHttp.UploadAsync(Files.Png(MiB), "first.png", "image/png");
        using (var refused = await aliceHttp.CreateAsync(MiB, "second.png", "image/png"))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        }

        await using var alice = await MediaChat.ConnectReadyAsync(media.Server, "alice");
        await alice.SendAsync(new Protocol.SendMessageFrame(conversation, string.Empty, "m-1", first));
        await alice.WaitForAsync<Protocol.StatusUpdateFrame>(s => s.ClientMsgId == "m-1");

        await aliceHttp.UploadAsync(Files.Png(MiB), "second.png", "image/png");
    }

    [Fact]
    public async Task Append_by_a_user_over_a_lowered_quota_is_refused_and_deletes_that_upload()
    {
        var root = Path.Combine(Path.GetTempPath(), "messaging-media-" + Guid.NewGuid().ToString("N"));
        var catalog = new InMemoryMediaCatalog();
        try
        {
            // The same catalog and folder before and after a restart that lowered the quota.
            string first, second;
            using (var before = Build(root, catalog, quota: 1000))
            {
                var service = before.GetRequiredService<MediaService>();
                first = (await service.CreateUploadAsync("alice", 400, "image/png", "a.png", Ct)).MediaId;
                second = (await service.CreateUploadAsync("alice", 400, "image/png", "b.png", Ct)).MediaId;
            }

            using var after = Build(root, catalog, quota: 600);
            var media = after.GetRequiredService<MediaService>();

            await Assert.ThrowsAsync<MediaQuotaExceededException>(async () => await media.AppendAsync("alice", first, 0, new MemoryStream(Files.Png(400)), Ct));

            await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await media.GetUploadAsync("alice", first, Ct));
            Assert.Equal(new MediaUsage(1, 400), await catalog.GetUsageAsync("alice", Ct));
            Assert.DoesNotContain(Directory.EnumerateFiles(root), f => Path.GetFileName(f).StartsWith(first, StringComparison.Ordinal));
            Assert.Equal(400, (await media.AppendAsync("alice", second, 0, new MemoryStream(Files.Png(400)), Ct)).Offset);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static ServiceProvider Build(string root, IMediaCatalog catalog, long quota)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        services.AddSingleton(catalog);
        services.AddMessaging();
        services.AddMessagingMedia(o =>
        {
            o.FileSystemRootPath = root;
            o.MaxUploadBytes = 400;
            o.MaxPendingBytesPerUser = quota;
        });
        return services.BuildServiceProvider();
    }
}
