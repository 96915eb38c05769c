namespace Messaging;

/// <summary>What the server knows about one upload: owner, declared type and name, progress, completion and sharing.</summary>
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

    /// <summary>How many bytes were stored when the record was last updated (the length once complete).</summary>
    public long Offset { get; init; }

    /// <summary>When the upload completed, or <see langword="null"/> while it is open.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>The SHA-256 of the completed blob, lowercase hex.</summary>
    public string? Sha256 { get; init; }

    /// <summary>When the media was first sent in a message, or <see langword="null"/> while it never was.</summary>
    public DateTimeOffset? SharedAt { get; init; }

    /// <summary>Whether the upload completed (the media may be sent and downloaded).</summary>
    public bool IsComplete => CompletedAt is not null;

    /// <summary>Whether the media was sent in a message (it then never expires and no longer counts as pending).</summary>
    public bool IsShared => SharedAt is not null;
}

/// <summary>The per-owner limits <see cref="IMediaCatalog.TryAddAsync"/> enforces atomically.</summary>
/// <param name="MaxOpenUploads">How many incomplete uploads one owner may hold.</param>
/// <param name="MaxPendingBytes">
/// How many bytes one owner's pending uploads may take: incomplete ones by declared length and completed ones that
/// were never sent in a message.
/// </param>
public readonly record struct MediaQuota(int MaxOpenUploads, long MaxPendingBytes);

/// <summary>What one owner holds of the pending (not yet shared) uploads a <see cref="MediaQuota"/> limits.</summary>
/// <param name="OpenUploads">Incomplete uploads.</param>
/// <param name="PendingBytes">Declared bytes of incomplete uploads plus bytes of completed uploads never sent.</param>
public readonly record struct MediaUsage(int OpenUploads, long PendingBytes);

/// <summary>The answer of <see cref="IMediaCatalog.TryAddAsync"/>.</summary>
public enum MediaAddResult
{
    /// <summary>The upload was added.</summary>
    Added,

    /// <summary>The owner already holds <see cref="MediaQuota.MaxOpenUploads"/> incomplete uploads; nothing was added.</summary>
    OpenUploadLimit,

    /// <summary>The upload would take the owner past <see cref="MediaQuota.MaxPendingBytes"/>; nothing was added.</summary>
    StorageQuota,

    /// <summary>An upload with the same id exists; nothing was added.</summary>
    Exists,
}

/// <summary>
/// Media metadata: uploads with their progress, their owners, and the conversations each media was shared in (which is
/// what authorises downloads). A shared adapter lets every gateway of a deployment serve, resume and authorise any
/// upload. Guarantees: the per-owner <see cref="MediaQuota"/> is enforced atomically by <see cref="TryAddAsync"/>;
/// sharing and the removal of an unshared upload exclude each other, so expiry never removes media a message refers to.
/// </summary>
public interface IMediaCatalog
{
    /// <summary>Adds an upload unless its owner's <paramref name="quota"/> would be exceeded.</summary>
    /// <param name="record">The new upload.</param>
    /// <param name="quota">The owner's limits.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether it was added, or which limit refused it.</returns>
    ValueTask<MediaAddResult> TryAddAsync(MediaRecord record, MediaQuota quota, CancellationToken cancellationToken = default);

    /// <summary>Finds an upload.</summary>
    /// <param name="mediaId">The media id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The record, or <see langword="null"/>.</returns>
    ValueTask<MediaRecord?> GetAsync(string mediaId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores the progress of an existing upload: <see cref="MediaRecord.Offset"/>, <see cref="MediaRecord.UpdatedAt"/>,
    /// <see cref="MediaRecord.CompletedAt"/> and <see cref="MediaRecord.Sha256"/> (the rest is fixed at creation, and
    /// sharing is kept). Does nothing when the upload was removed.
    /// </summary>
    /// <param name="record">The new state.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when stored.</returns>
    ValueTask UpdateAsync(MediaRecord record, CancellationToken cancellationToken = default);

    /// <summary>Removes an upload and its sharing records.</summary>
    /// <param name="mediaId">The media id.</param>
    /// <param name="unsharedOnly">Removes it only while it was never shared (what expiry uses).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether it was removed.</returns>
    ValueTask<bool> RemoveAsync(string mediaId, bool unsharedOnly = false, CancellationToken cancellationToken = default);

    /// <summary>Records that a completed media was sent in a conversation (idempotent; the first share sets <see cref="MediaRecord.SharedAt"/>).</summary>
    /// <param name="mediaId">The media id.</param>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="at">When it was sent.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="false"/> when no completed upload has the id (nothing was recorded).</returns>
    ValueTask<bool> ShareAsync(string mediaId, string conversationId, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>The conversations the media was sent in.</summary>
    /// <param name="mediaId">The media id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The conversation ids.</returns>
    ValueTask<IReadOnlyCollection<string>> GetSharedConversationsAsync(string mediaId, CancellationToken cancellationToken = default);

    /// <summary>What an owner holds of pending uploads (the usage <see cref="MediaQuota"/> limits).</summary>
    /// <param name="ownerId">The owner.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The usage.</returns>
    ValueTask<MediaUsage> GetUsageAsync(string ownerId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Uploads due for expiry, oldest first: incomplete ones last updated before <paramref name="openBefore"/> and
    /// completed ones never shared that completed before <paramref name="unsharedBefore"/>.
    /// </summary>
    /// <param name="openBefore">The exclusive bound on <see cref="MediaRecord.UpdatedAt"/> of incomplete uploads.</param>
    /// <param name="unsharedBefore">The exclusive bound on <see cref="MediaRecord.CompletedAt"/> of unshared completed uploads.</param>
    /// <param name="limit">At most this many.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The expired uploads.</returns>
    ValueTask<IReadOnlyList<MediaRecord>> ListExpiredAsync(DateTimeOffset openBefore, DateTimeOffset unsharedBefore, int limit, CancellationToken cancellationToken = default);
}
