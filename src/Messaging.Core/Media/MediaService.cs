using Microsoft.Extensions.Logging;

namespace Messaging;

/// <summary>
/// Media uploads and downloads on top of <see cref="IBlobStore"/> and <see cref="IMediaCatalog"/>: limits, the content
/// check on completion, ownership, the per-user quota, download authorisation and expiry of abandoned and unsent
/// uploads. Transports (the tus endpoints) call it with the authenticated user; every "not yours" looks exactly like
/// "does not exist".
/// </summary>
public sealed class MediaService
{
    private const int ExpiryBatch = 100;
    private readonly IBlobStore _blobs;
    private readonly IMediaCatalog _catalog;
    private readonly IConversationStore _conversations;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    internal MediaService(IBlobStore blobs, IMediaCatalog catalog, IConversationStore conversations, MediaOptions options, TimeProvider time, ILogger logger)
    {
        _blobs = blobs;
        _catalog = catalog;
        _conversations = conversations;
        Options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>The limits in force.</summary>
    public MediaOptions Options { get; }

    /// <summary>Whether media of this type may be shown inline by a browser: raster images only; everything else is an attachment.</summary>
    /// <param name="contentType">The media's content type.</param>
    /// <returns><see langword="true"/> for PNG, JPEG, GIF and WebP.</returns>
    public static bool CanDisplayInline(string contentType) => ContentSignatures.IsInlineImage(contentType);

    /// <summary>Creates an upload for <paramref name="userId"/>.</summary>
    /// <param name="userId">The authenticated uploader.</param>
    /// <param name="length">The declared length in bytes (1..<see cref="MediaOptions.MaxUploadBytes"/>).</param>
    /// <param name="contentType">The declared type; <c>application/octet-stream</c> when absent.</param>
    /// <param name="fileName">The client's file name; only its sanitised base name is kept.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The new upload.</returns>
    /// <exception cref="MediaLengthExceededException">Over the size limit.</exception>
    /// <exception cref="MediaTypeRejectedException">The type is not allowed.</exception>
    /// <exception cref="MediaQuotaExceededException">The upload would take the user past <see cref="MediaOptions.MaxPendingBytesPerUser"/> (nothing is created).</exception>
    /// <exception cref="MessagingException"><c>rate_limited</c> when the user's quota of open uploads is used up; <c>bad_request</c> for a length below 1.</exception>
    public async ValueTask<MediaRecord> CreateUploadAsync(string userId, long length, string? contentType, string? fileName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        if (length < 1)
        {
            throw new MessagingValidationException(MessagingErrorKind.BadRequest, "An upload needs a length of at least 1 byte.");
        }

        if (length > Options.MaxUploadBytes)
        {
            throw new MediaLengthExceededException($"Uploads are limited to {Options.MaxUploadBytes} bytes.");
        }

        var type = string.IsNullOrWhiteSpace(contentType) ? "application/octet-stream" : contentType.Trim().ToLowerInvariant();
        if (!ContentSignatures.IsWellFormed(type) || ContentSignatures.IsActiveContent(type) || !Options.AllowedContentTypes.Contains(type))
        {
            throw new MediaTypeRejectedException("This content type is not allowed.");
        }

        var now = _time.GetUtcNow();
        var record = new MediaRecord
        {
            MediaId = BlobIds.New(),
            OwnerId = userId,
            ContentType = type,
            FileName = MediaFileNames.Sanitize(fileName),
            Length = length,
            CreatedAt = now,
            UpdatedAt = now,
        };

        switch (await _catalog.TryAddAsync(record, new MediaQuota(Options.MaxOpenUploadsPerUser, Options.MaxPendingBytesPerUser), cancellationToken).ConfigureAwait(false))
        {
            case MediaAddResult.Added:
                break;
            case MediaAddResult.OpenUploadLimit:
                throw new MessagingException(MessagingErrorKind.RateLimited, $"At most {Options.MaxOpenUploadsPerUser} uploads may be open at once; finish or delete one first.");
            case MediaAddResult.StorageQuota:
                var usage = await _catalog.GetUsageAsync(userId, cancellationToken).ConfigureAwait(false);
                throw QuotaExceeded(userId, usage.PendingBytes, length);
            default:
                throw new InvalidOperationException($"An upload with id {record.MediaId} exists.");
        }

        try
        {
            await _blobs.CreateAsync(record.MediaId, length, type, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await _catalog.RemoveAsync(record.MediaId, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        _logger.UploadCreated(userId, record.MediaId, length, type);
        return record;
    }

    /// <summary>An upload of <paramref name="userId"/> and its offset.</summary>
    /// <param name="userId">The authenticated uploader.</param>
    /// <param name="mediaId">The upload.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The upload.</returns>
    /// <exception cref="MessagingNotFoundException">No upload of the user has that id.</exception>
    public async ValueTask<MediaUploadProgress> GetUploadAsync(string userId, string mediaId, CancellationToken cancellationToken = default)
    {
        var media = await RequireOwnAsync(userId, mediaId, cancellationToken).ConfigureAwait(false);
        var state = await _blobs.GetStateAsync(mediaId, cancellationToken).ConfigureAwait(false) ?? throw new MessagingNotFoundException(MediaSharing.NotFoundMessage);
        if (state.Completed && !media.IsComplete)
        {
            // The gateway that stored the last chunk stopped before recording the completion: finish it here, so the
            // upload resumed through another gateway is usable.
            media = await CompleteAsync(media with { Offset = state.Offset, UpdatedAt = _time.GetUtcNow() }, cancellationToken).ConfigureAwait(false);
            await _catalog.UpdateAsync(media, cancellationToken).ConfigureAwait(false);
        }

        return new MediaUploadProgress(media, state.Offset);
    }

    /// <summary>
    /// Appends a chunk at <paramref name="offset"/>. The chunk that reaches the declared length completes the upload:
    /// its bytes are checked against the declared type and hashed. A chunk past the declared length, or bytes that do
    /// not fit the type, delete the whole upload.
    /// </summary>
    /// <param name="userId">The authenticated uploader.</param>
    /// <param name="mediaId">The upload.</param>
    /// <param name="offset">The client's offset; must be the stored one.</param>
    /// <param name="content">The chunk.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The upload and its new offset.</returns>
    /// <exception cref="MessagingNotFoundException">No upload of the user has that id.</exception>
    /// <exception cref="MediaOffsetConflictException">The offset does not match (nothing was written).</exception>
    /// <exception cref="MediaLengthExceededException">The chunk overran the declared length (the upload is deleted).</exception>
    /// <exception cref="MediaTypeRejectedException">The bytes do not fit the declared type (the upload is deleted).</exception>
    /// <exception cref="MediaQuotaExceededException">The user is over <see cref="MediaOptions.MaxPendingBytesPerUser"/> (the upload is deleted).</exception>
    public async ValueTask<MediaUploadProgress> AppendAsync(string userId, string mediaId, long offset, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var media = await RequireOwnAsync(userId, mediaId, cancellationToken).ConfigureAwait(false);
        if (media.IsComplete)
        {
            throw new MediaOffsetConflictException(media.Length, "The upload is complete.");
        }

        // Creation reserved the declared length, so only a quota lowered since (a restart with new options) finds the
        // owner over it here; the upload is then refused like an oversized creation and leaves nothing behind.
        var usage = await _catalog.GetUsageAsync(userId, cancellationToken).ConfigureAwait(false);
        if (usage.PendingBytes > Options.MaxPendingBytesPerUser)
        {
            await DiscardAsync(media, "its owner is over the media quota").ConfigureAwait(false);
            throw QuotaExceeded(userId, usage.PendingBytes - media.Length, media.Length);
        }

        // The first chunk's head is checked at once, so a disguised file is refused before the rest of it is sent.
        var head = offset == 0 ? new HeadCapturingStream(content, (int)Math.Min(ContentSignatures.HeadLength, media.Length)) : null;
        long newOffset;
        try
        {
            newOffset = await _blobs.AppendAsync(mediaId, offset, head ?? content, cancellationToken).ConfigureAwait(false);
        }
        catch (MediaLengthExceededException exception)
        {
            await DiscardAsync(media, exception.Message).ConfigureAwait(false);
            throw;
        }

        if (head is { IsComplete: true } && newOffset < media.Length && !ContentSignatures.Matches(media.ContentType, head.Head))
        {
            await DiscardAsync(media, "the first bytes do not match the declared content type").ConfigureAwait(false);
            throw new MediaTypeRejectedException($"The file's content does not match its declared type {media.ContentType}.");
        }

        media = media with { UpdatedAt = _time.GetUtcNow(), Offset = newOffset };
        if (newOffset == media.Length)
        {
            media = await CompleteAsync(media, cancellationToken).ConfigureAwait(false);
        }

        await _catalog.UpdateAsync(media, cancellationToken).ConfigureAwait(false);
        return new MediaUploadProgress(media, newOffset);
    }

    /// <summary>Deletes an upload of <paramref name="userId"/> (tus termination), complete or not.</summary>
    /// <param name="userId">The authenticated uploader.</param>
    /// <param name="mediaId">The upload.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when deleted.</returns>
    /// <exception cref="MessagingNotFoundException">No upload of the user has that id.</exception>
    public async ValueTask DeleteUploadAsync(string userId, string mediaId, CancellationToken cancellationToken = default)
    {
        var media = await RequireOwnAsync(userId, mediaId, cancellationToken).ConfigureAwait(false);
        await _blobs.DeleteAsync(media.MediaId, cancellationToken).ConfigureAwait(false);
        await _catalog.RemoveAsync(media.MediaId, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The completed media <paramref name="userId"/> may download: their own, or one shared in a conversation they are
    /// a member of.
    /// </summary>
    /// <param name="userId">The authenticated caller.</param>
    /// <param name="mediaId">The media id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The media.</returns>
    /// <exception cref="MessagingNotFoundException">It does not exist, is incomplete, or the caller may not see it.</exception>
    public async ValueTask<MediaRecord> AuthorizeDownloadAsync(string userId, string mediaId, CancellationToken cancellationToken = default)
    {
        var media = BlobIds.IsValid(mediaId) ? await _catalog.GetAsync(mediaId, cancellationToken).ConfigureAwait(false) : null;
        if (media is { IsComplete: true })
        {
            if (string.Equals(media.OwnerId, userId, StringComparison.Ordinal))
            {
                return media;
            }

            foreach (var conversationId in await _catalog.GetSharedConversationsAsync(mediaId, cancellationToken).ConfigureAwait(false))
            {
                var conversation = await _conversations.GetAsync(conversationId, cancellationToken).ConfigureAwait(false);
                if (conversation is not null && conversation.IsMember(userId))
                {
                    return media;
                }
            }
        }

        throw new MessagingNotFoundException(MediaSharing.NotFoundMessage);
    }

    /// <summary>Opens the bytes of media returned by <see cref="AuthorizeDownloadAsync"/>.</summary>
    /// <param name="media">The authorised media.</param>
    /// <param name="offset">The first byte.</param>
    /// <param name="count">How many bytes, or <see langword="null"/> for the rest.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A stream the caller disposes.</returns>
    /// <exception cref="MessagingNotFoundException">The blob is gone.</exception>
    public async ValueTask<Stream> OpenReadAsync(MediaRecord media, long offset = 0, long? count = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(media);
        return await _blobs.OpenReadAsync(media.MediaId, offset, count, cancellationToken).ConfigureAwait(false)
            ?? throw new MessagingNotFoundException(MediaSharing.NotFoundMessage);
    }

    /// <summary>
    /// Deletes incomplete uploads without new bytes for <see cref="MediaOptions.AbandonedUploadTtl"/> and completed
    /// uploads never sent in a message for <see cref="MediaOptions.UnsentUploadTtl"/>, bytes and record (run
    /// periodically by the host). Media sent in a message are never expired, even when the send races the sweep.
    /// </summary>
    /// <param name="cancellationToken">Cancels the sweep.</param>
    /// <returns>How many uploads were deleted.</returns>
    public async ValueTask<int> ExpireUploadsAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var expired = 0;
        while (true)
        {
            var batch = await _catalog.ListExpiredAsync(now - Options.AbandonedUploadTtl, now - Options.UnsentUploadTtl, ExpiryBatch, cancellationToken).ConfigureAwait(false);
            var removed = 0;
            foreach (var media in batch)
            {
                // The record goes first and only while unshared: a send that shared it in the meantime keeps it, and a
                // send after this sees no media. Only then are the bytes deleted.
                if (!await _catalog.RemoveAsync(media.MediaId, unsharedOnly: true, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                removed++;
                try
                {
                    await _blobs.DeleteAsync(media.MediaId, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    _logger.ExpiredBlobDeleteFailed(media.MediaId, exception);
                    continue;
                }

                _logger.UploadExpired(media.MediaId, media.IsComplete ? "never sent" : "abandoned");
                expired++;
            }

            if (batch.Count < ExpiryBatch || removed == 0)
            {
                return expired;
            }
        }
    }

    private async ValueTask<MediaRecord> CompleteAsync(MediaRecord media, CancellationToken cancellationToken)
    {
        var sha256 = await _blobs.CompleteAsync(media.MediaId, cancellationToken).ConfigureAwait(false);
        var head = new byte[(int)Math.Min(ContentSignatures.HeadLength, media.Length)];
        var stream = await _blobs.OpenReadAsync(media.MediaId, 0, head.Length, cancellationToken).ConfigureAwait(false)
            ?? throw new MessagingNotFoundException(MediaSharing.NotFoundMessage);
        await using (stream.ConfigureAwait(false))
        {
            await stream.ReadExactlyAsync(head, cancellationToken).ConfigureAwait(false);
        }

        if (!ContentSignatures.Matches(media.ContentType, head))
        {
            await DiscardAsync(media, "the bytes do not match the declared content type").ConfigureAwait(false);
            throw new MediaTypeRejectedException($"The file's content does not match its declared type {media.ContentType}.");
        }

        _logger.UploadCompleted(media.MediaId, media.Length);
        return media with { CompletedAt = _time.GetUtcNow(), Sha256 = sha256 };
    }

    private MediaQuotaExceededException QuotaExceeded(string userId, long pendingBytes, long requested)
    {
        _logger.QuotaExceeded(userId, pendingBytes, Options.MaxPendingBytesPerUser);
        return new MediaQuotaExceededException(
            $"Media storage quota exceeded: {pendingBytes} of {Options.MaxPendingBytesPerUser} bytes are held by uploads not yet sent, " +
            $"and this upload needs {requested}. Send or delete earlier uploads first.");
    }

    private async ValueTask<MediaRecord> RequireOwnAsync(string userId, string mediaId, CancellationToken cancellationToken)
    {
        var media = BlobIds.IsValid(mediaId) ? await _catalog.GetAsync(mediaId, cancellationToken).ConfigureAwait(false) : null;
        return media is not null && string.Equals(media.OwnerId, userId, StringComparison.Ordinal)
            ? media
            : throw new MessagingNotFoundException(MediaSharing.NotFoundMessage);
    }

    // A rejected upload leaves nothing behind; when deletion fails, the catalog entry stays so the expiry sweep retries.
    private async ValueTask DiscardAsync(MediaRecord media, string reason)
    {
        _logger.UploadRejected(media.MediaId, media.OwnerId, reason);
        try
        {
            await _blobs.DeleteAsync(media.MediaId, CancellationToken.None).ConfigureAwait(false);
            await _catalog.RemoveAsync(media.MediaId, cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            _logger.UploadDeleteFailed(media.MediaId, exception);
        }
    }
}
