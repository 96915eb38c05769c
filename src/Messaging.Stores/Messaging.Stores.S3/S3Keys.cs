namespace Messaging.Stores.S3;

/// <summary>Every object key the store uses: the configured prefix and a validated, generated blob id.</summary>
internal static class S3Keys
{
    public static string Blob(string prefix, string blobId) =>
        BlobIds.IsValid(blobId) ? prefix + blobId : throw new ArgumentException("A blob id is 1..64 letters, digits, '-' or '_'.", nameof(blobId));
}
