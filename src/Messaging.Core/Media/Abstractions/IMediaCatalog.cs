namespace Messaging;

/// <summary>What the server knows about one upload: owner, declared type and name, progress and completion.</summary>
public sealed record MediaRecord
{
    /// <summary>The media id (also the blob id and the last segment of the upload's location).</summary>
    public required string MediaId { get; init; }

    /// <summary>The uploader; the only user who may append to it, and always allowed to download it.</summary>
    public required string OwnerId { get; init; }

    /// <summary>The declared content type, checked against the bytes' signature on completion.</summary>
    public required string ContentType { get; init; }

    /// <summary>The sanitised file name (a base name without control characters).</summary>
    public required string FileName { get; init; }

    /// <summary>The declared length in bytes.</summary>
    public required long Length { get; init; }

    /// <summary>When the upload was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When bytes were last appended (abandoned uploads expire from here).</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When the upload completed, or <see langword="null"/> while it is open.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>The SHA-256 of the completed blob, lowercase hex.</summary>
    public string? Sha256 { get; init; }

    /// <summary>Whether the upload completed (the media may be sent and downloaded).</summary>
    public bool IsComplete => CompletedAt is not null;
}

/// <summary>
/// Media metadata: uploads, their owners, and the conversations each media was shared in (which is what authorises
/// downloads). Guarantee: the per-owner quota of open uploads is enforced atomically by <see cref="TryAddAsync"/>.
/// </summary>
public interface IMediaCatalog
{
    /// <summary>Adds an upload unless its owner already has <paramref name="maxOpenUploadsPerOwner"/> open (incomplete) uploads.</summary>
    /// <param name="record">The new upload.</param>
    /// <param name="maxOpenUploadsPerOwner">The quota.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="false"/> when the quota is used up (nothing was added).</returns>
    ValueTask<bool> TryAddAsync(MediaRecord record, int maxOpenUploadsPerOwner, CancellationToken cancellationToken = default);

    /// <summary>Finds an upload.</summary>
    /// <param name="mediaId">The media id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The record, or <see langword="null"/>.</returns>
    ValueTask<MediaRecord?> GetAsync(string mediaId, CancellationToken cancellationToken = default);

    /// <summary>Replaces the record of an existing upload (progress, completion); does nothing when it was removed.</summary>
    /// <param name="record">The new state.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when stored.</returns>
    ValueTask UpdateAsync(MediaRecord record, CancellationToken cancellationToken = default);

    /// <summary>Removes an upload and its sharing records.</summary>
    /// <param name="mediaId">The media id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether it existed.</returns>
    ValueTask<bool> RemoveAsync(string mediaId, CancellationToken cancellationToken = default);

    /// <summary>Records that the media was sent in a conversation (idempotent).</summary>
    /// <param name="mediaId">The media id.</param>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when stored.</returns>
    ValueTask ShareAsync(string mediaId, string conversationId, CancellationToken cancellationToken = default);

    /// <summary>The conversations the media was sent in.</summary>
    /// <param name="mediaId">The media id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The conversation ids.</returns>
    ValueTask<IReadOnlyCollection<string>> GetSharedConversationsAsync(string mediaId, CancellationToken cancellationToken = default);

    /// <summary>Open (incomplete) uploads last updated before <paramref name="cutoff"/>, oldest first.</summary>
    /// <param name="cutoff">The exclusive bound on <see cref="MediaRecord.UpdatedAt"/>.</param>
    /// <param name="limit">At most this many.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The abandoned uploads.</returns>
    ValueTask<IReadOnlyList<MediaRecord>> ListOpenUploadsUpdatedBeforeAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken = default);
}
