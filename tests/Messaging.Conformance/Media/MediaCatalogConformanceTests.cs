using Xunit;

namespace Messaging.Conformance;

/// <summary>
/// The laws of <see cref="IMediaCatalog"/>: records (progress and sharing included) read back exactly, the per-owner
/// quota of open uploads and of pending bytes holds under concurrency and refuses without leaving anything, sharing
/// takes an upload out of the quota and out of expiry, expiry lists what is due oldest first and never media that was
/// sent, and a share racing the expiry's removal has exactly one winner. Inherit and supply <see cref="CreateAsync"/>.
/// </summary>
/// <remarks>Capabilities read: <see cref="AdapterCapabilities.MultiNode"/>, <see cref="AdapterCapabilities.SurvivesRestart"/>.</remarks>
public abstract class MediaCatalogConformanceTests : ConformanceSuite
{
    private static readonly MediaQuota Unlimited = new(int.MaxValue, long.MaxValue);

    /// <summary>Creates a catalog. With <see cref="AdapterCapabilities.MultiNode"/>, instances share their records.</summary>
    /// <returns>The catalog under test.</returns>
    protected abstract ValueTask<IMediaCatalog> CreateAsync();

    /// <summary>An added upload reads back field for field; progress and completion are stored; sharing is kept by later updates.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Upload_reads_back_with_its_progress_completion_and_sharing()
    {
        var catalog = await NewCatalogAsync();
        var upload = Upload(NewId("owner"), 1000, At(0));
        Assert.Equal(MediaAddResult.Added, await catalog.TryAddAsync(upload, Unlimited, Token));
        Assert.Equal(upload, await catalog.GetAsync(upload.MediaId, Token));

        var progressed = upload with { Offset = 400, UpdatedAt = At(1) };
        await catalog.UpdateAsync(progressed, Token);
        Assert.Equal(progressed, await catalog.GetAsync(upload.MediaId, Token));

        var completed = progressed with { Offset = 1000, UpdatedAt = At(2), CompletedAt = At(2), Sha256 = new string('a', 64) };
        await catalog.UpdateAsync(completed, Token);
        Assert.True(await catalog.ShareAsync(upload.MediaId, "conv-1", At(3), Token));
        await catalog.UpdateAsync(completed with { UpdatedAt = At(4) }, Token);

        Assert.Equal(completed with { UpdatedAt = At(4), SharedAt = At(3) }, await catalog.GetAsync(upload.MediaId, Token));
        Assert.Equal(MediaAddResult.Exists, await catalog.TryAddAsync(upload, Unlimited, Token));
    }

    /// <summary>An owner may hold only so many open uploads; other owners are not affected and completing one frees a slot.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Open_upload_limit_is_per_owner_and_completion_frees_a_slot()
    {
        var catalog = await NewCatalogAsync();
        var (alice, bob) = (NewId("alice"), NewId("bob"));
        var quota = new MediaQuota(MaxOpenUploads: 2, MaxPendingBytes: long.MaxValue);
        var first = Upload(alice, 10, At(0));
        Assert.Equal(MediaAddResult.Added, await catalog.TryAddAsync(first, quota, Token));
        Assert.Equal(MediaAddResult.Added, await catalog.TryAddAsync(Upload(alice, 10, At(0)), quota, Token));

        var refused = Upload(alice, 10, At(0));
        Assert.Equal(MediaAddResult.OpenUploadLimit, await catalog.TryAddAsync(refused, quota, Token));
        Assert.Null(await catalog.GetAsync(refused.MediaId, Token));
        Assert.Equal(MediaAddResult.Added, await catalog.TryAddAsync(Upload(bob, 10, At(0)), quota, Token));

        await catalog.UpdateAsync(first with { Offset = 10, CompletedAt = At(1), Sha256 = new string('b', 64) }, Token);
        Assert.Equal(MediaAddResult.Added, await catalog.TryAddAsync(Upload(alice, 10, At(1)), quota, Token));
        Assert.Equal(new MediaUsage(OpenUploads: 2, PendingBytes: 30), await catalog.GetUsageAsync(alice, Token));
    }

    /// <summary>
    /// Pending bytes count open uploads by declared length and completed ones until they are sent; an upload past the
    /// quota is refused and leaves nothing; sending or removing one gives its bytes back.
    /// </summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Storage_quota_counts_pending_uploads_and_is_given_back_by_sending_or_removing()
    {
        var catalog = await NewCatalogAsync();
        var owner = NewId("owner");
        var quota = new MediaQuota(MaxOpenUploads: 100, MaxPendingBytes: 1000);
        var sent = Upload(owner, 600, At(0));
        var open = Upload(owner, 300, At(0));
        Assert.Equal(MediaAddResult.Added, await catalog.TryAddAsync(sent, quota, Token));
        await catalog.UpdateAsync(sent with { Offset = 600, CompletedAt = At(1), Sha256 = new string('c', 64) }, Token);
        Assert.Equal(MediaAddResult.Added, await catalog.TryAddAsync(open, quota, Token));

        var tooBig = Upload(owner, 101, At(1));
        Assert.Equal(MediaAddResult.StorageQuota, await catalog.TryAddAsync(tooBig, quota, Token));
        Assert.Null(await catalog.GetAsync(tooBig.MediaId, Token));
        Assert.Equal(new MediaUsage(1, 900), await catalog.GetUsageAsync(owner, Token));

        Assert.True(await catalog.ShareAsync(sent.MediaId, "conv-1", At(2), Token));
        Assert.Equal(new MediaUsage(1, 300), await catalog.GetUsageAsync(owner, Token));
        Assert.Equal(MediaAddResult.Added, await catalog.TryAddAsync(tooBig, quota, Token));

        Assert.True(await catalog.RemoveAsync(open.MediaId, cancellationToken: Token));
        Assert.Equal(new MediaUsage(1, 101), await catalog.GetUsageAsync(owner, Token));
    }

    /// <summary>Concurrent additions by one owner never go past either limit, whatever their interleaving.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Concurrent_additions_never_exceed_the_quota()
    {
        var catalog = await NewCatalogAsync();
        var owner = NewId("owner");
        var quota = new MediaQuota(MaxOpenUploads: 1000, MaxPendingBytes: 500);

        var results = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => Task.Run(async () => await catalog.TryAddAsync(Upload(owner, 100, At(0)), quota, Token))));

        Assert.Equal(5, results.Count(r => r == MediaAddResult.Added));
        Assert.All(results.Where(r => r != MediaAddResult.Added), r => Assert.Equal(MediaAddResult.StorageQuota, r));
        Assert.Equal(new MediaUsage(5, 500), await catalog.GetUsageAsync(owner, Token));
    }

    /// <summary>Only a completed upload can be shared; sharing is idempotent, keeps the first time and lists every conversation.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Only_completed_uploads_are_shared_and_sharing_is_idempotent()
    {
        var catalog = await NewCatalogAsync();
        var upload = Upload(NewId("owner"), 10, At(0));
        await catalog.TryAddAsync(upload, Unlimited, Token);

        Assert.False(await catalog.ShareAsync(upload.MediaId, "conv-1", At(1), Token));
        Assert.False(await catalog.ShareAsync(BlobIds.New(), "conv-1", At(1), Token));
        Assert.Empty(await catalog.GetSharedConversationsAsync(upload.MediaId, Token));

        await catalog.UpdateAsync(upload with { Offset = 10, CompletedAt = At(1), Sha256 = new string('d', 64) }, Token);
        Assert.True(await catalog.ShareAsync(upload.MediaId, "conv-1", At(2), Token));
        Assert.True(await catalog.ShareAsync(upload.MediaId, "conv-2", At(3), Token));
        Assert.True(await catalog.ShareAsync(upload.MediaId, "conv-1", At(4), Token));

        Assert.Equal(["conv-1", "conv-2"], (await catalog.GetSharedConversationsAsync(upload.MediaId, Token)).Order(StringComparer.Ordinal));
        Assert.Equal(At(2), (await catalog.GetAsync(upload.MediaId, Token))!.SharedAt);
    }

    /// <summary>A shared upload survives a removal of unshared uploads; a plain removal takes it with its sharing.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Removal_of_unshared_uploads_keeps_shared_ones()
    {
        var catalog = await NewCatalogAsync();
        var upload = Completed(Upload(NewId("owner"), 10, At(0)), At(1));
        await catalog.TryAddAsync(upload, Unlimited, Token);
        Assert.True(await catalog.ShareAsync(upload.MediaId, "conv-1", At(2), Token));

        Assert.False(await catalog.RemoveAsync(upload.MediaId, unsharedOnly: true, Token));
        Assert.NotNull(await catalog.GetAsync(upload.MediaId, Token));

        Assert.True(await catalog.RemoveAsync(upload.MediaId, cancellationToken: Token));
        Assert.Null(await catalog.GetAsync(upload.MediaId, Token));
        Assert.Empty(await catalog.GetSharedConversationsAsync(upload.MediaId, Token));
        Assert.False(await catalog.RemoveAsync(upload.MediaId, cancellationToken: Token));
        await catalog.UpdateAsync(upload with { UpdatedAt = At(3) }, Token);
        Assert.Null(await catalog.GetAsync(upload.MediaId, Token));
    }

    /// <summary>
    /// Expiry lists open uploads idle since before one bound and completed uploads never sent since before another,
    /// oldest first and at most the limit; sent media and newer uploads are never listed.
    /// </summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Expiry_lists_idle_open_and_unsent_completed_uploads_oldest_first_never_sent_ones()
    {
        var catalog = await NewCatalogAsync();
        var owner = NewId("owner");

        // A time range of its own (the catalog may be shared with other tests): minutes after 1971-01-01.
        var idleOpen = Upload(owner, 10, Epoch(10));
        var freshOpen = Upload(owner, 10, Epoch(50));
        var unsent = Completed(Upload(owner, 10, Epoch(1)), Epoch(20));
        var freshUnsent = Completed(Upload(owner, 10, Epoch(1)), Epoch(40));
        var sent = Completed(Upload(owner, 10, Epoch(1)), Epoch(5));
        var progressed = Upload(owner, 10, Epoch(2));
        foreach (var upload in (MediaRecord[])[idleOpen, freshOpen, unsent, freshUnsent, sent, progressed])
        {
            Assert.Equal(MediaAddResult.Added, await catalog.TryAddAsync(upload, Unlimited, Token));
        }

        Assert.True(await catalog.ShareAsync(sent.MediaId, "conv-1", Epoch(6), Token));
        await catalog.UpdateAsync(progressed with { Offset = 5, UpdatedAt = Epoch(45) }, Token);

        var expired = await catalog.ListExpiredAsync(openBefore: Epoch(30), unsharedBefore: Epoch(30), limit: 100, Token);
        Assert.Equal([idleOpen.MediaId, unsent.MediaId], expired.Select(r => r.MediaId));

        var first = await catalog.ListExpiredAsync(openBefore: Epoch(60), unsharedBefore: Epoch(60), limit: 2, Token);
        Assert.Equal([idleOpen.MediaId, unsent.MediaId], first.Select(r => r.MediaId));
    }

    /// <summary>A share racing the expiry's removal of the same unsent upload: exactly one of them wins, every time.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Share_and_removal_of_an_unsent_upload_exclude_each_other()
    {
        var catalog = await NewCatalogAsync();
        var owner = NewId("owner");
        for (var i = 0; i < 40; i++)
        {
            var upload = Completed(Upload(owner, 10, At(0)), At(1));
            await catalog.TryAddAsync(upload, Unlimited, Token);

            var share = Task.Run(async () => await catalog.ShareAsync(upload.MediaId, "conv-1", At(2), Token));
            var remove = Task.Run(async () => await catalog.RemoveAsync(upload.MediaId, unsharedOnly: true, Token));
            var (shared, removed) = (await share, await remove);

            Assert.True(shared ^ removed, $"round {i}: shared {shared}, removed {removed}");
            Assert.Equal(shared, await catalog.GetAsync(upload.MediaId, Token) is { IsShared: true });
        }
    }

    /// <summary>A second catalog instance (another gateway, or this one restarted) sees uploads, progress and sharing of the first.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Another_instance_sees_uploads_progress_and_sharing()
    {
        Require(Capabilities.MultiNode, nameof(AdapterCapabilities.MultiNode), "gateways share upload state, so an upload resumes and downloads through any of them");
        var first = await NewCatalogAsync();
        var second = await NewCatalogAsync();
        var upload = Upload(NewId("owner"), 10, At(0));
        await first.TryAddAsync(upload, Unlimited, Token);
        await first.UpdateAsync(upload with { Offset = 4, UpdatedAt = At(1) }, Token);
        Assert.Equal(4, (await second.GetAsync(upload.MediaId, Token))!.Offset);

        await second.UpdateAsync(Completed(upload, At(2)), Token);
        Assert.True(await first.ShareAsync(upload.MediaId, "conv-1", At(3), Token));

        Assert.Equal(["conv-1"], await second.GetSharedConversationsAsync(upload.MediaId, Token));
        Assert.Equal(Completed(upload, At(2)) with { SharedAt = At(3) }, await second.GetAsync(upload.MediaId, Token));
    }

    private static DateTimeOffset At(int minutes) => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(minutes).AddTicks(1234);

    private static DateTimeOffset Epoch(int minutes) => new DateTimeOffset(1971, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(minutes).AddTicks(5678);

    private static MediaRecord Upload(string owner, long length, DateTimeOffset at) => new()
    {
        MediaId = BlobIds.New(),
        OwnerId = owner,
        ContentType = "image/png",
        FileName = "photo.png",
        Length = length,
        CreatedAt = at,
        UpdatedAt = at,
    };

    private static MediaRecord Completed(MediaRecord upload, DateTimeOffset at)
        => upload with { Offset = upload.Length, UpdatedAt = at, CompletedAt = at, Sha256 = new string('e', 64) };

    private async ValueTask<IMediaCatalog> NewCatalogAsync() => Track(await CreateAsync());
}
