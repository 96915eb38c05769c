using Amazon.Runtime;

namespace Messaging.Stores.S3;

/// <summary>Options of <see cref="S3BlobStore"/>; validated at start. Secrets are redacted by <see cref="ToString"/>.</summary>
public sealed class S3BlobStoreOptions
{
    /// <summary>The smallest part S3 accepts (except for the last part of an upload): 5 MiB.</summary>
    public const int MinimumPartSize = 5 * 1024 * 1024;

    /// <summary>The bucket (it must exist). Required.</summary>
    public string BucketName { get; set; } = string.Empty;

    /// <summary>Prefix of every object key, for example <c>media/</c>.</summary>
    public string KeyPrefix { get; set; } = "media/";

    /// <summary>The endpoint of an S3-compatible server; <see langword="null"/> for AWS S3 in <see cref="Region"/>.</summary>
    public Uri? ServiceUrl { get; set; }

    /// <summary>The region (also used to sign requests to <see cref="ServiceUrl"/>). Default <c>us-east-1</c>.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Access key id; with <see cref="SecretKey"/>, else the SDK's default credential chain is used.</summary>
    public string? AccessKey { get; set; }

    /// <summary>Secret access key (never logged).</summary>
    public string? SecretKey { get; set; }

    /// <summary>Path-style addressing (<c>host/bucket/key</c>), which most S3-compatible servers need. Default off (AWS).</summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>
    /// Whether part uploads use aws-chunked content encoding. AWS wants the default (<see langword="true"/>); some
    /// S3-compatible servers store aws-chunked bodies verbatim and corrupt the object, so turn it off for them.
    /// </summary>
    public bool UseChunkEncoding { get; set; } = true;

    /// <summary>When request checksums are computed. AWS: <c>WHEN_SUPPORTED</c> (default); compatible servers may need <c>WHEN_REQUIRED</c>.</summary>
    public RequestChecksumCalculation RequestChecksumCalculation { get; set; } = RequestChecksumCalculation.WHEN_SUPPORTED;

    /// <summary>When response checksums are validated. AWS: <c>WHEN_SUPPORTED</c> (default); compatible servers may need <c>WHEN_REQUIRED</c>.</summary>
    public ResponseChecksumValidation ResponseChecksumValidation { get; set; } = ResponseChecksumValidation.WHEN_SUPPORTED;

    /// <summary>Bytes buffered per upload before a multipart part is sent (at least <see cref="MinimumPartSize"/>).</summary>
    public int PartSize { get; set; } = MinimumPartSize;

    /// <summary>Options for an S3-compatible server such as a local test server: path-style, no chunk encoding, checksums only when required.</summary>
    /// <returns>These options, for chaining.</returns>
    public S3BlobStoreOptions ForCompatibleServer()
    {
        ForcePathStyle = true;
        UseChunkEncoding = false;
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        return this;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"Bucket={BucketName}; KeyPrefix={KeyPrefix}; ServiceUrl={ServiceUrl}; Region={Region}; AccessKey={(AccessKey is null ? "(default chain)" : "***")}; SecretKey={(SecretKey is null ? "(none)" : "***")}; ForcePathStyle={ForcePathStyle}; UseChunkEncoding={UseChunkEncoding}; PartSize={PartSize}";
}
