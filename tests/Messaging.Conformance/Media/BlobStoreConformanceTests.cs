using System.Security.Cryptography;
using Xunit;

namespace Messaging.Conformance;

/// <summary>
/// The laws of <see cref="IBlobStore"/>: chunks appended at the current offset read back byte for byte (compared by
/// SHA-256, which also catches servers that corrupt bodies), offsets are enforced, an overrunning chunk keeps nothing,
/// an interrupted append keeps what arrived, ranges are exact, deletion leaves nothing. Inherit and supply
/// <see cref="CreateAsync"/>.
/// </summary>
/// <remarks>
/// Capabilities read: <see cref="AdapterCapabilities.SurvivesRestart"/> (blobs and open uploads outlive an instance)
/// and <see cref="AdapterCapabilities.MultiNode"/> (live instances on one backing storage share open uploads, as the
/// gateways of a cluster do: any of them continues an upload another one started).
/// </remarks>
public abstract class BlobStoreConformanceTests : ConformanceSuite
{
    /// <summary>
    /// Creates a store. With <see cref="AdapterCapabilities.SurvivesRestart"/> or <see cref="AdapterCapabilities.MultiNode"/>,
    /// every instance uses the same backing storage (one folder, one bucket).
    /// </summary>
    /// <returns>The store under test.</returns>
    protected abstract ValueTask<IBlobStore> CreateAsync();

    /// <summary>An upload appended in uneven chunks completes with the SHA-256 of its bytes and reads back identically.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Chunked_upload_completes_with_the_sha256_of_its_bytes_and_reads_back_identically()
    {
        var store = await NewStoreAsync();
        var data = RandomBytes(300_001);
        var id = await UploadAsync(store, data, chunkSizes: [1, 65_536, 100_000, 7]);

        var sha256 = await store.CompleteAsync(id, Token);

        Assert.Equal(Sha256(data), sha256);
        Assert.Equal(new BlobUploadState(data.Length, data.Length, Completed: true), await store.GetStateAsync(id, Token));
        Assert.Equal(Sha256(data), Sha256(await ReadAllAsync(store, id, 0, null)));
    }

    /// <summary>An upload larger than several S3 parts (the 5 MiB minimum) survives buffering and multipart assembly.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Upload_of_several_megabytes_in_small_chunks_reads_back_identically()
    {
        var store = await NewStoreAsync();
        var data = RandomBytes((11 * 1024 * 1024) + 12_345);
        var id = await UploadAsync(store, data, chunkSizes: [700_000]);

        Assert.Equal(Sha256(data), await store.CompleteAsync(id, Token));
        Assert.Equal(Sha256(data), Sha256(await ReadAllAsync(store, id, 0, null)));
    }

    /// <summary>An append at any offset but the current one is a conflict that writes nothing.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Append_at_a_wrong_offset_is_a_conflict_and_writes_nothing()
    {
        var store = await NewStoreAsync();
        var id = BlobIds.New();
        await store.CreateAsync(id, 10, "application/octet-stream", Token);
        Assert.Equal(4, await store.AppendAsync(id, 0, new MemoryStream(RandomBytes(4)), Token));

        var conflict = await Assert.ThrowsAsync<MediaOffsetConflictException>(async () => await store.AppendAsync(id, 2, new MemoryStream(RandomBytes(3)), Token));

        Assert.Equal(4, conflict.CurrentOffset);
        Assert.Equal(new BlobUploadState(10, 4, Completed: false), await store.GetStateAsync(id, Token));
    }

    /// <summary>A chunk that goes past the declared length is refused and none of its bytes are kept.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Chunk_past_the_declared_length_is_refused_and_keeps_nothing_of_it()
    {
        var store = await NewStoreAsync();
        var id = BlobIds.New();
        var data = RandomBytes(1000);
        await store.CreateAsync(id, data.Length, "application/octet-stream", Token);
        await store.AppendAsync(id, 0, new MemoryStream(data[..400]), Token);

        await Assert.ThrowsAsync<MediaLengthExceededException>(async () => await store.AppendAsync(id, 400, new MemoryStream(RandomBytes(601)), Token));

        Assert.Equal(new BlobUploadState(data.Length, 400, Completed: false), await store.GetStateAsync(id, Token));
        await store.AppendAsync(id, 400, new MemoryStream(data[400..]), Token);
        Assert.Equal(Sha256(data), await store.CompleteAsync(id, Token));
    }

    /// <summary>When the source fails half-way (a dropped connection), the bytes received are kept and the upload resumes after them.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Interrupted_append_keeps_the_bytes_received_and_resumes_after_them()
    {
        var store = await NewStoreAsync();
        var id = BlobIds.New();
        var data = RandomBytes(200_000);
        await store.CreateAsync(id, data.Length, "application/octet-stream", Token);

        await Assert.ThrowsAsync<IOException>(async () => await store.AppendAsync(id, 0, new FailingStream(data, failAfter: 120_000), Token));
        var state = await store.GetStateAsync(id, Token);

        Assert.Equal(120_000, state?.Offset);
        await store.AppendAsync(id, 120_000, new MemoryStream(data[120_000..]), Token);
        Assert.Equal(Sha256(data), await store.CompleteAsync(id, Token));
    }

    /// <summary>Range reads return exactly the requested bytes, clipped at the end.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Range_reads_return_exactly_the_requested_bytes()
    {
        var store = await NewStoreAsync();
        var data = RandomBytes(50_000);
        var id = await UploadAsync(store, data, chunkSizes: [50_000]);
        await store.CompleteAsync(id, Token);

        Assert.Equal(data[1000..1100], await ReadAllAsync(store, id, 1000, 100));
        Assert.Equal(data[49_990..], await ReadAllAsync(store, id, 49_990, 1000));
        Assert.Empty(await ReadAllAsync(store, id, 50_000, null));
    }

    /// <summary>An incomplete upload cannot be completed or read.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Incomplete_upload_can_be_neither_completed_nor_read()
    {
        var store = await NewStoreAsync();
        var id = BlobIds.New();
        await store.CreateAsync(id, 10, "application/octet-stream", Token);
        await store.AppendAsync(id, 0, new MemoryStream(RandomBytes(5)), Token);

        await Assert.ThrowsAsync<MediaOffsetConflictException>(async () => await store.CompleteAsync(id, Token));
        Assert.Null(await store.OpenReadAsync(id, 0, null, Token));
    }

    /// <summary>A completed blob takes no more appends.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Completed_blob_takes_no_more_appends()
    {
        var store = await NewStoreAsync();
        var data = RandomBytes(10);
        var id = await UploadAsync(store, data, chunkSizes: [10]);
        await store.CompleteAsync(id, Token);

        await Assert.ThrowsAsync<MediaOffsetConflictException>(async () => await store.AppendAsync(id, 10, new MemoryStream([]), Token));
        Assert.Equal(Sha256(data), Sha256(await ReadAllAsync(store, id, 0, null)));
    }

    /// <summary>Deleting an open upload or a completed blob leaves nothing; a second delete finds nothing.</summary>
    /// <param name="complete">Whether the blob is completed before the delete.</param>
    /// <returns>A task that completes when verified.</returns>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Delete_leaves_nothing_behind(bool complete)
    {
        var store = await NewStoreAsync();
        var id = await UploadAsync(store, RandomBytes(100), chunkSizes: [100]);
        if (complete)
        {
            await store.CompleteAsync(id, Token);
        }

        Assert.True(await store.DeleteAsync(id, Token));

        Assert.Null(await store.GetStateAsync(id, Token));
        Assert.Null(await store.OpenReadAsync(id, 0, null, Token));
        Assert.False(await store.DeleteAsync(id, Token));
        await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await store.AppendAsync(id, 0, new MemoryStream([1]), Token));
    }

    /// <summary>Ids that could name a path are never used: creation refuses them, lookups find nothing.</summary>
    /// <param name="blobId">A hostile id.</param>
    /// <returns>A task that completes when verified.</returns>
    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("x.blob")]
    [InlineData("")]
    public async Task Ids_that_could_name_a_path_are_refused(string blobId)
    {
        var store = await NewStoreAsync();

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await store.CreateAsync(blobId, 10, "application/octet-stream", Token));
        Assert.Null(await store.GetStateAsync(blobId, Token));
        Assert.False(await store.DeleteAsync(blobId, Token));
    }

    /// <summary>A completed blob is readable from a new store instance (a restarted node).</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Completed_blob_is_readable_from_a_new_instance()
    {
        Require(Capabilities.SurvivesRestart, nameof(AdapterCapabilities.SurvivesRestart), "completed blobs outlive the store instance");
        var first = await CreateAsync();
        var data = RandomBytes(4096);
        var id = await UploadAsync(first, data, chunkSizes: [1000]);
        await first.CompleteAsync(id, Token);
        await DisposeAdapterAsync(first);

        var second = await NewStoreAsync();

        Assert.Equal(Sha256(data), Sha256(await ReadAllAsync(second, id, 0, null)));
    }

    /// <summary>
    /// An open upload whose tail is below a part (5 MiB, S3's minimum) outlives its instance: a new instance reports its
    /// offset and continues it to the end.
    /// </summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Open_upload_is_continued_by_a_new_instance_after_a_restart()
    {
        Require(Capabilities.SurvivesRestart, nameof(AdapterCapabilities.SurvivesRestart), "open uploads outlive the store instance");
        var data = RandomBytes((6 * 1024 * 1024) + 4321);
        var first = await CreateAsync();
        var id = BlobIds.New();
        await first.CreateAsync(id, data.Length, "application/octet-stream", Token);
        await first.AppendAsync(id, 0, new MemoryStream(data, 0, 1_000_003), Token);
        await DisposeAdapterAsync(first);

        var second = await NewStoreAsync();

        Assert.Equal(new BlobUploadState(data.Length, 1_000_003, Completed: false), await second.GetStateAsync(id, Token));
        Assert.Equal(data.Length, await second.AppendAsync(id, 1_000_003, new MemoryStream(data, 1_000_003, data.Length - 1_000_003), Token));
        Assert.Equal(Sha256(data), await second.CompleteAsync(id, Token));
        Assert.Equal(Sha256(data), Sha256(await ReadAllAsync(second, id, 0, null)));
    }

    /// <summary>
    /// An upload started on one live instance is continued on a second (its tail below a part carried over, a part
    /// formed from both), the first then sees the second's offset rather than its own, the upload goes back and forth,
    /// the second completes it and a third reads it back identically.
    /// </summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Upload_is_continued_on_other_live_instances_and_read_by_a_third()
    {
        Require(Capabilities.MultiNode, nameof(AdapterCapabilities.MultiNode), "open uploads are shared by the instances on one storage");
        var data = RandomBytes((11 * 1024 * 1024) + 777);
        int[] cuts = [3 * 1024 * 1024, (7 * 1024 * 1024) + 5, (9 * 1024 * 1024) + 11, data.Length];
        var first = await NewStoreAsync();
        var second = await NewStoreAsync();
        var third = await NewStoreAsync();
        var id = BlobIds.New();
        await first.CreateAsync(id, data.Length, "application/octet-stream", Token);
        Assert.Equal(cuts[0], await first.AppendAsync(id, 0, new MemoryStream(data, 0, cuts[0]), Token));

        Assert.Equal(new BlobUploadState(data.Length, cuts[0], Completed: false), await second.GetStateAsync(id, Token));
        Assert.Equal(cuts[1], await second.AppendAsync(id, cuts[0], new MemoryStream(data, cuts[0], cuts[1] - cuts[0]), Token));

        // The first instance wrote last at cuts[0]; the storage is at cuts[1], and that is what it must go by.
        var stale = await Assert.ThrowsAsync<MediaOffsetConflictException>(async () => await first.AppendAsync(id, cuts[0], new MemoryStream(data, cuts[0], 10), Token));
        Assert.Equal(cuts[1], stale.CurrentOffset);
        Assert.Equal(new BlobUploadState(data.Length, cuts[1], Completed: false), await first.GetStateAsync(id, Token));
        Assert.Equal(cuts[2], await first.AppendAsync(id, cuts[1], new MemoryStream(data, cuts[1], cuts[2] - cuts[1]), Token));
        Assert.Equal(cuts[3], await second.AppendAsync(id, cuts[2], new MemoryStream(data, cuts[2], cuts[3] - cuts[2]), Token));
        Assert.Equal(Sha256(data), await second.CompleteAsync(id, Token));

        Assert.Equal(new BlobUploadState(data.Length, data.Length, Completed: true), await third.GetStateAsync(id, Token));
        Assert.Equal(new BlobUploadState(data.Length, data.Length, Completed: true), await first.GetStateAsync(id, Token));
        Assert.Equal(Sha256(data), Sha256(await ReadAllAsync(third, id, 0, null)));
        Assert.Equal(Sha256(data), await first.CompleteAsync(id, Token));
        await Assert.ThrowsAsync<MediaOffsetConflictException>(async () => await first.AppendAsync(id, data.Length, new MemoryStream([]), Token));
    }

    /// <summary>An open upload deleted through another instance is gone for every instance.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public async Task Open_upload_deleted_through_another_instance_is_gone_everywhere()
    {
        Require(Capabilities.MultiNode, nameof(AdapterCapabilities.MultiNode), "open uploads are shared by the instances on one storage");
        var first = await NewStoreAsync();
        var second = await NewStoreAsync();
        var id = BlobIds.New();
        await first.CreateAsync(id, 100, "application/octet-stream", Token);
        await first.AppendAsync(id, 0, new MemoryStream(RandomBytes(40)), Token);

        Assert.True(await second.DeleteAsync(id, Token));

        Assert.Null(await first.GetStateAsync(id, Token));
        await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await first.AppendAsync(id, 40, new MemoryStream([1]), Token));
        await Assert.ThrowsAsync<MessagingNotFoundException>(async () => await first.CompleteAsync(id, Token));
        Assert.False(await first.DeleteAsync(id, Token));
        Assert.Null(await (await NewStoreAsync()).GetStateAsync(id, Token));
    }

    /// <summary>Random bytes of the given length.</summary>
    /// <param name="length">The length.</param>
    /// <returns>The bytes.</returns>
    protected static byte[] RandomBytes(int length) => RandomNumberGenerator.GetBytes(length);

    /// <summary>The lowercase hex SHA-256 of <paramref name="data"/>.</summary>
    /// <param name="data">The bytes.</param>
    /// <returns>The hash.</returns>
    protected static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>Creates an upload and appends <paramref name="data"/> in chunks of the given sizes (the last size repeats).</summary>
    /// <param name="store">The store.</param>
    /// <param name="data">The bytes.</param>
    /// <param name="chunkSizes">The chunk sizes.</param>
    /// <returns>The blob id.</returns>
    protected static async Task<string> UploadAsync(IBlobStore store, byte[] data, int[] chunkSizes)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(chunkSizes);
        var id = BlobIds.New();
        await store.CreateAsync(id, data.Length, "application/octet-stream", Token);
        var offset = 0;
        for (var i = 0; offset < data.Length; i++)
        {
            var size = Math.Min(chunkSizes[Math.Min(i, chunkSizes.Length - 1)], data.Length - offset);
            Assert.Equal(offset + size, await store.AppendAsync(id, offset, new MemoryStream(data, offset, size), Token));
            offset += size;
        }

        return id;
    }

    /// <summary>Reads a range of a completed blob.</summary>
    /// <param name="store">The store.</param>
    /// <param name="id">The blob.</param>
    /// <param name="offset">The first byte.</param>
    /// <param name="count">How many bytes, or <see langword="null"/> for the rest.</param>
    /// <returns>The bytes.</returns>
    protected static async Task<byte[]> ReadAllAsync(IBlobStore store, string id, long offset, long? count)
    {
        ArgumentNullException.ThrowIfNull(store);
        var stream = await store.OpenReadAsync(id, offset, count, Token);
        Assert.NotNull(stream);
        await using (stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, Token);
            return copy.ToArray();
        }
    }

    private async Task<IBlobStore> NewStoreAsync() => Track(await CreateAsync());

    // A source that delivers its first bytes and then fails like a dropped connection.
    private sealed class FailingStream(byte[] data, int failAfter) : MemoryStream(data, 0, failAfter, writable: false)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await base.ReadAsync(buffer, cancellationToken);
            return read > 0 ? read : throw new IOException("The connection was reset.");
        }
    }
}
