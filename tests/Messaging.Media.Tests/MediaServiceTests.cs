using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Messaging.Media.Tests;

/// <summary>The media service on its own: expiry of abandoned uploads on a fake clock, option validation, wire shape.</summary>
public sealed class MediaServiceTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "messaging-media-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Abandoned_upload_expires_a_ttl_after_its_last_bytes_and_leaves_nothing()
    {
        using var services = Build(o =>
        {
            o.AbandonedUploadTtl = TimeSpan.FromHours(24);
            o.UnsentUploadTtl = TimeSpan.FromDays(30);
        });
        var media = services.GetRequiredService<MediaService>();
        var open = await media.CreateUploadAsync("alice", 100, "image/png", "a.png", Ct);
        var done = await media.CreateUploadAsync("alice", 64, "image/png", "b.png", Ct);
        await media.AppendAsync("alice", done.MediaId, 0, new MemoryStream(Files.Png(64)), Ct);

        _time.Advance(TimeSpan.FromHours(23));
        await media.AppendAsync("alice", open.MediaId, 0, new MemoryStream(Files.Png(10)), Ct);
        _time.Advance(TimeSpan.FromHours(23));
        var early = await media.ExpireUploadsAsync(Ct);
        _time.Advance(TimeSpan.FromHours(2));
        var due = await media.ExpireUploadsAsync(Ct);

        Assert.Equal((0, 1), (early, due));
        await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await media.GetUploadAsync("alice", open.MediaId, Ct));
        Assert.Equal(64, (await media.GetUploadAsync("alice", done.MediaId, Ct)).Offset);
        Assert.Equal([Path.Combine(_root, done.MediaId + ".blob")], Directory.EnumerateFiles(_root));
    }

    [Fact]
    public async Task Completed_upload_records_its_sha256_and_completion_time()
    {
        using var services = Build();
        var media = services.GetRequiredService<MediaService>();
        var data = Files.Png(1000);
        var upload = await media.CreateUploadAsync("alice", data.Length, "IMAGE/PNG", "a.png", Ct);

        var progress = await media.AppendAsync("alice", upload.MediaId, 0, new MemoryStream(data), Ct);

        Assert.Equal((Files.Sha256(data), _time.GetUtcNow(), "image/png"), (progress.Media.Sha256, progress.Media.CompletedAt, progress.Media.ContentType));
    }

    public static TheoryData<string, Action<MediaOptions>> BadOptions => new()
    {
        { "size", o => o.MaxUploadBytes = 0 },
        { "quota", o => o.MaxOpenUploadsPerUser = 0 },
        { "ttl", o => o.AbandonedUploadTtl = TimeSpan.Zero },
        { "unsent ttl", o => o.UnsentUploadTtl = TimeSpan.Zero },
        { "sweep interval past a timer's range", o => o.ExpirySweepInterval = TimeSpan.FromDays(50) },
        { "storage quota below the largest upload", o => o.MaxPendingBytesPerUser = o.MaxUploadBytes - 1 },
        { "html allowed", o => o.AllowedContentTypes.Add("text/html") },
        { "svg allowed", o => o.AllowedContentTypes.Add("image/svg+xml") },
        { "malformed type", o => o.AllowedContentTypes.Add("png") },
        { "root", o => o.FileSystemRootPath = " " },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_options_fail_validation(string what, Action<MediaOptions> configure)
    {
        using var services = Build(configure);

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<MediaOptions>>().Value);

        Assert.False(string.IsNullOrEmpty(error.Message), what);
    }

    [Fact]
    public void Adding_media_keeps_the_engine_and_the_service_on_one_catalog()
    {
        using var services = Build();

        Assert.Same(services.GetRequiredService<IMediaCatalog>(), services.GetRequiredService<IMediaCatalog>());
        Assert.IsType<InMemoryMediaCatalog>(services.GetRequiredService<IMediaCatalog>());
        Assert.IsType<FileSystemBlobStore>(services.GetRequiredService<IBlobStore>());
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private ServiceProvider Build(Action<MediaOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddMessaging();
        services.AddMessagingMedia(o =>
        {
            o.FileSystemRootPath = _root;
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider();
    }
}
