using Amazon.S3;
using Messaging.Conformance;
using Messaging.Stores.S3;

namespace Messaging.Media.Tests.BlobStores;

/// <summary>The blob store laws on <see cref="S3BlobStore"/> against s3rver on loopback.</summary>
public sealed class S3BlobStoreTests(S3rverFixture server) : BlobStoreConformanceTests, IClassFixture<S3rverFixture>
{
    // Open uploads (their state object) and completed blobs live in the bucket, which every instance on it shares.
    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true };

    protected override ValueTask<IBlobStore> CreateAsync()
    {
        if (server.SkipReason is { } reason)
        {
            Assert.Skip(reason);
        }

        return ValueTask.FromResult<IBlobStore>(new S3BlobStore(server.StoreOptions()));
    }

    [Fact]
    public async Task A_client_passed_in_is_not_disposed_with_the_store()
    {
        if (server.SkipReason is { } reason)
        {
            Assert.Skip(reason);
        }

        var options = server.StoreOptions();
        using var client = NewClient(options);

        using (var store = new S3BlobStore(client, options))
        {
            await UploadAsync(store, RandomBytes(10), chunkSizes: [10]);
        }

        var buckets = await client.ListBucketsAsync(TestContext.Current.CancellationToken);
        Assert.Contains(buckets.Buckets, b => b.BucketName == S3rverFixture.Bucket);
    }

    [Fact]
    public async Task With_the_aws_defaults_s3rver_stores_corrupted_parts_and_the_sha256_shows_it()
    {
        if (server.SkipReason is { } reason)
        {
            Assert.Skip(reason);
        }

        // AWS settings (aws-chunked bodies, checksums when supported) against s3rver: why ForCompatibleServer exists.
        var options = server.StoreOptions();
        options.UseChunkEncoding = true;
        options.RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_SUPPORTED;
        options.ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED;
        using var store = new S3BlobStore(options);
        var data = RandomBytes(100_000);
        var id = await UploadAsync(store, data, chunkSizes: [100_000]);

        var sha256 = await store.CompleteAsync(id, TestContext.Current.CancellationToken);

        Assert.NotEqual(Sha256(data), sha256);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Finishing_an_upload_through_another_instance_leaves_only_the_blob_or_nothing_in_the_bucket(bool complete)
    {
        if (server.SkipReason is { } reason)
        {
            Assert.Skip(reason);
        }

        var token = TestContext.Current.CancellationToken;
        var options = server.StoreOptions();
        options.KeyPrefix = "leftovers-" + Guid.NewGuid().ToString("N") + "/";
        using var client = NewClient(options);
        using var first = new S3BlobStore(client, options);
        using var second = new S3BlobStore(client, options);
        var data = RandomBytes((5 * 1024 * 1024) + 100);
        var id = BlobIds.New();
        await first.CreateAsync(id, data.Length, "application/octet-stream", token);
        await first.AppendAsync(id, 0, new MemoryStream(data, 0, 4_000_000), token);
        Assert.Equal([options.KeyPrefix + id + ".upload"], await ListKeysAsync(client, options.KeyPrefix));
        await second.AppendAsync(id, 4_000_000, new MemoryStream(data, 4_000_000, data.Length - 4_000_000), token);

        if (complete)
        {
            Assert.Equal(Sha256(data), await second.CompleteAsync(id, token));
            Assert.Equal([options.KeyPrefix + id], await ListKeysAsync(client, options.KeyPrefix));
        }
        else
        {
            Assert.True(await second.DeleteAsync(id, token));
            Assert.Empty(await ListKeysAsync(client, options.KeyPrefix));
            Assert.False(await first.DeleteAsync(id, token));
        }
    }

    [Fact]
    public void Options_redact_secrets()
    {
        var text = new S3BlobStoreOptions { BucketName = "b", AccessKey = "AKIDEXAMPLE", SecretKey = "wJalrXUtnFEMI" }.ToString();

        Assert.DoesNotContain("AKIDEXAMPLE", text, StringComparison.Ordinal);
        Assert.DoesNotContain("wJalrXUtnFEMI", text, StringComparison.Ordinal);
    }

    private static AmazonS3Client NewClient(S3BlobStoreOptions options) =>
        new(new Amazon.Runtime.BasicAWSCredentials("S3RVER", "S3RVER"), new AmazonS3Config
        {
            ServiceURL = options.ServiceUrl!.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = options.Region,
            RequestChecksumCalculation = options.RequestChecksumCalculation,
            ResponseChecksumValidation = options.ResponseChecksumValidation,
        });

    private static async Task<List<string>> ListKeysAsync(AmazonS3Client client, string prefix)
    {
        var listed = await client.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = S3rverFixture.Bucket, Prefix = prefix }, TestContext.Current.CancellationToken);
        return [.. (listed.S3Objects ?? []).Select(o => o.Key)];
    }
}
