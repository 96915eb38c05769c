using Amazon.S3;
using Messaging.Conformance;
using Messaging.Stores.S3;

namespace Messaging.Media.Tests.BlobStores;

/// <summary>The blob store laws on <see cref="S3BlobStore"/> against s3rver on loopback.</summary>
public sealed class S3BlobStoreTests(S3rverFixture server) : BlobStoreConformanceTests, IClassFixture<S3rverFixture>
{
    // Open uploads live in the store instance; completed blobs are objects any instance reads.
    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true };

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
        using var client = new AmazonS3Client(new Amazon.Runtime.BasicAWSCredentials("S3RVER", "S3RVER"), new AmazonS3Config
        {
            ServiceURL = options.ServiceUrl!.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = options.Region,
            RequestChecksumCalculation = options.RequestChecksumCalculation,
            ResponseChecksumValidation = options.ResponseChecksumValidation,
        });

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

    [Fact]
    public void Options_redact_secrets()
    {
        var text = new S3BlobStoreOptions { BucketName = "b", AccessKey = "AKIDEXAMPLE", SecretKey = "wJalrXUtnFEMI" }.ToString();

        Assert.DoesNotContain("AKIDEXAMPLE", text, StringComparison.Ordinal);
        Assert.DoesNotContain("wJalrXUtnFEMI", text, StringComparison.Ordinal);
    }
}
