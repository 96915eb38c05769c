namespace Messaging;

/// <summary>
/// An append at an offset that is not the upload's current offset (or to a completed upload, or while another append
/// runs). Nothing was written; the client re-reads the offset and resumes from there (tus answers 409).
/// </summary>
public sealed class MediaOffsetConflictException : MessagingException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="currentOffset">The upload's offset, or -1 when unknown.</param>
    /// <param name="message">A message safe to show to the client.</param>
    public MediaOffsetConflictException(long currentOffset, string message)
        : base(MessagingErrorKind.BadRequest, message)
    {
        CurrentOffset = currentOffset;
    }

    /// <summary>The upload's offset, or -1 when unknown.</summary>
    public long CurrentOffset { get; }
}

/// <summary>An upload over the size limit, or a chunk past the declared length (tus answers 413).</summary>
public sealed class MediaLengthExceededException : MessagingException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">A message safe to show to the client.</param>
    public MediaLengthExceededException(string message)
        : base(MessagingErrorKind.TooLarge, message)
    {
    }
}

/// <summary>A content type that is not allowed, or bytes that do not match the declared type (answered 415).</summary>
public sealed class MediaTypeRejectedException : MessagingException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">A message safe to show to the client.</param>
    public MediaTypeRejectedException(string message)
        : base(MessagingErrorKind.BadRequest, message)
    {
    }
}

/// <summary>
/// An upload that would take its owner past <see cref="MediaOptions.MaxPendingBytesPerUser"/> (tus answers 413; the
/// upload is not created, or is deleted when an append found its owner over the quota).
/// </summary>
public sealed class MediaQuotaExceededException : MessagingException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">A message safe to show to the client.</param>
    public MediaQuotaExceededException(string message)
        : base(MessagingErrorKind.TooLarge, message)
    {
    }
}
