using Amazon.S3.Model;

namespace Messaging.Stores.S3;

/// <summary>
/// One open multipart upload: the parts sent so far and the tail not yet big enough for a part. Held in the node's
/// memory, so an open upload does not survive a restart of the node (completed blobs do).
/// </summary>
internal sealed class S3UploadSession(string key, string uploadId, long length)
{
    public string Key { get; } = key;

    public string UploadId { get; } = uploadId;

    public long Length { get; } = length;

    /// <summary>Held by the one append or completion running on this upload.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public List<PartETag> Parts { get; } = [];

    public long PartBytes { get; set; }

    public byte[] Tail { get; set; } = [];

    public long Offset => PartBytes + Tail.Length;
}
