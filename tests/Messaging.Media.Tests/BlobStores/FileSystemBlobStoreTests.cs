using Messaging.Conformance;

namespace Messaging.Media.Tests.BlobStores;

/// <summary>The blob store laws on <see cref="FileSystemBlobStore"/>, plus what only a filesystem can show.</summary>
public sealed class FileSystemBlobStoreTests : BlobStoreConformanceTests
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "messaging-blobs-" + Guid.NewGuid().ToString("N"));

    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true };

    protected override ValueTask<IBlobStore> CreateAsync() =>
        ValueTask.FromResult<IBlobStore>(new FileSystemBlobStore(new FileSystemBlobStoreOptions { RootPath = _root }));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task Files_are_named_only_from_the_generated_id_directly_under_the_root()
    {
        var store = new FileSystemBlobStore(new FileSystemBlobStoreOptions { RootPath = _root });
        var id = await UploadAsync(store, RandomBytes(10), chunkSizes: [10]);
        await store.CompleteAsync(id, TestContext.Current.CancellationToken);

        Assert.Equal([id + ".blob"], Directory.EnumerateFileSystemEntries(_root).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Deleting_every_upload_leaves_the_root_empty()
    {
        var store = new FileSystemBlobStore(new FileSystemBlobStoreOptions { RootPath = _root });
        var open = await UploadAsync(store, RandomBytes(10), chunkSizes: [4]);
        var done = await UploadAsync(store, RandomBytes(10), chunkSizes: [10]);
        await store.CompleteAsync(done, TestContext.Current.CancellationToken);

        await store.DeleteAsync(open, TestContext.Current.CancellationToken);
        await store.DeleteAsync(done, TestContext.Current.CancellationToken);

        Assert.Empty(Directory.EnumerateFileSystemEntries(_root));
    }
}
