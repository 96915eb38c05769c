namespace Messaging.Stores.S3;

/// <summary>
/// This instance's view of one open upload: a gate for the one append or completion running here, and the state it
/// last read or wrote, a cache re-validated against the state object's ETag before each use (another instance may
/// have appended since).
/// </summary>
internal sealed class S3UploadSession
{
    /// <summary>Held by the one append, completion or delete running on this upload in this instance.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>The state last read or written by this instance.</summary>
    public S3UploadState? State { get; set; }
}
