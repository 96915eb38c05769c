namespace Messaging.Stores.S3;

/// <summary>Every object key the store uses: the configured prefix and a validated, generated blob id.</summary>
internal static class S3Keys
{
    /// <summary>The object of a blob (the target of its multipart upload).</summary>
    public static string Blob(string prefix, string blobId) =>
        BlobIds.IsValid(blobId) ? prefix + blobId : throw new ArgumentException("A blob id is 1..64 letters, digits, '-' or '_'.", nameof(blobId));

    /// <summary>
    /// The state object of an open upload (multipart upload id, committed parts, unsent tail). A blob id never holds a
    /// '.', so this key never names a blob.
    /// </summary>
    public static string UploadState(string prefix, string blobId) => Blob(prefix, blobId) + ".upload";
}
