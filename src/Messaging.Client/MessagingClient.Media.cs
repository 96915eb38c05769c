using Messaging.Client.Media;

namespace Messaging.Client;

/// <content>Media: resumable uploads (tus 1.0 at <c>/media/uploads</c>) and media messages.</content>
public sealed partial class MessagingClient
{
    /// <summary>
    /// Uploads a file from the stream's current position to its end, in chunks. A failed chunk (lost connection,
    /// conflict, server error) is retried after asking the server how much it stored, so the upload resumes instead
    /// of starting over (up to 5 failures in a row).
    /// </summary>
    /// <param name="content">A seekable stream (a file, a memory stream); it is not disposed.</param>
    /// <param name="fileName">The file name shown to recipients.</param>
    /// <param name="contentType">The content type (checked by the server against the bytes).</param>
    /// <param name="progress">Receives the number of bytes the server has stored, after each chunk.</param>
    /// <param name="cancellationToken">Cancels the upload (what was stored stays until the server expires it).</param>
    /// <returns>The completed upload.</returns>
    /// <exception cref="MessagingClientException">The server refused the upload (for example <c>too_large</c>, 415 for a type it does not accept) or stayed unreachable.</exception>
    public Task<UploadedMedia> UploadMediaAsync(Stream content, string fileName, string contentType, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentException.ThrowIfNullOrEmpty(contentType);
        if (!content.CanSeek || !content.CanRead)
        {
            throw new ArgumentException("The stream must be readable and seekable, so a failed chunk can be read again.", nameof(content));
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return new MediaUploader(_rest, _time).UploadAsync(content, fileName, contentType, progress, cancellationToken);
    }

    /// <summary>Uploads a file (see <see cref="UploadMediaAsync"/>) and sends it as a media message with an optional caption.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="content">A seekable stream; it is not disposed.</param>
    /// <param name="fileName">The file name shown to recipients.</param>
    /// <param name="contentType">The content type.</param>
    /// <param name="caption">Text sent with the media (may be empty).</param>
    /// <param name="progress">Receives the number of bytes stored, after each chunk.</param>
    /// <param name="cancellationToken">Cancels the upload and the send.</param>
    /// <returns>The sent message.</returns>
    public async Task<SentMessage> SendMediaAsync(string conversationId, Stream content, string fileName, string contentType, string caption = "", IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        ArgumentNullException.ThrowIfNull(caption);
        var media = await UploadMediaAsync(content, fileName, contentType, progress, cancellationToken).ConfigureAwait(false);
        return await SendAsync(conversationId, caption, media.MediaId, cancellationToken).ConfigureAwait(false);
    }
}
