namespace Messaging;

/// <summary>The send path's media step: a message may carry only a completed upload of its sender, which is then shared with the conversation.</summary>
internal static class MediaSharing
{
    public const string NotFoundMessage = "Media not found.";

    /// <summary>Checks the media and records the sharing (before the commit, so recipients may download as soon as they see the message).</summary>
    /// <returns>What recipients see of the media.</returns>
    /// <exception cref="MessagingNotFoundException">No completed upload of the sender has that id.</exception>
    public static async ValueTask<MediaAttachment> AttachAsync(IMediaCatalog catalog, string senderId, string mediaId, string conversationId, CancellationToken cancellationToken)
    {
        var media = await catalog.GetAsync(mediaId, cancellationToken).ConfigureAwait(false);
        if (media is null || !media.IsComplete || !string.Equals(media.OwnerId, senderId, StringComparison.Ordinal))
        {
            throw new MessagingNotFoundException(NotFoundMessage);
        }

        await catalog.ShareAsync(mediaId, conversationId, cancellationToken).ConfigureAwait(false);
        return new MediaAttachment(media.ContentType, media.Length, media.FileName);
    }
}
