namespace Messaging;

/// <summary>The send path's media step: a message may carry only a completed upload of its sender, which is then shared with the conversation.</summary>
internal static class MediaSharing
{
    public const string NotFoundMessage = "Media not found.";

    /// <summary>Checks the media and records the sharing (before the commit, so recipients may download as soon as they see the message).</summary>
    /// <returns>What recipients see of the media.</returns>
    /// <exception cref="MessagingNotFoundException">No completed upload of the sender has that id.</exception>
    public static async ValueTask<MediaAttachment> AttachAsync(IMediaCatalog catalog, string senderId, string mediaId, string conversationId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var media = await catalog.GetAsync(mediaId, cancellationToken).ConfigureAwait(false);
        if (media is null || !media.IsComplete || !string.Equals(media.OwnerId, senderId, StringComparison.Ordinal))
        {
            throw new MessagingNotFoundException(NotFoundMessage);
        }

        // The share fails when expiry removed the upload since the read: the message is then refused, never left
        // pointing at deleted bytes.
        if (!await catalog.ShareAsync(mediaId, conversationId, now, cancellationToken).ConfigureAwait(false))
        {
            throw new MessagingNotFoundException(NotFoundMessage);
        }

        return new MediaAttachment(media.ContentType, media.Length, media.FileName);
    }
}
