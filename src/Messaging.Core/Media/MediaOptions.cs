namespace Messaging;

/// <summary>Limits of media uploads (<c>AddMessagingMedia</c>); validated at start.</summary>
public sealed class MediaOptions
{
    /// <summary>The largest upload in bytes (tus <c>Tus-Max-Size</c>). Default 100 MiB.</summary>
    public long MaxUploadBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>
    /// Content types an upload may declare; the bytes are checked against the type's signature on completion, and
    /// HTML, scripts and executables are refused whatever the declared type. Default: PNG, JPEG, GIF, WebP, PDF,
    /// MP4, MPEG audio, plain text, ZIP and generic binary files.
    /// </summary>
    public ISet<string> AllowedContentTypes { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "video/mp4", "audio/mpeg",
        "text/plain", "application/zip", "application/octet-stream",
    };

    /// <summary>How many incomplete uploads one user may hold at once (more are refused with 429). Default 10.</summary>
    public int MaxOpenUploadsPerUser { get; set; } = 10;

    /// <summary>
    /// How many bytes one user's pending uploads may take: incomplete uploads count by their declared length, completed
    /// ones until they are sent in a message (media sent in a conversation belong to it and no longer count). A
    /// creation, or an append while the user is over it (after the quota was lowered), is refused with 413 and leaves
    /// nothing behind. At least <see cref="MaxUploadBytes"/>. Default 2 GiB.
    /// </summary>
    public long MaxPendingBytesPerUser { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>An incomplete upload with no new bytes for this long is deleted. Default 24 hours.</summary>
    public TimeSpan AbandonedUploadTtl { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// A completed upload never sent in a message is deleted (bytes and record) this long after it completed. Media
    /// sent in a message never expire. Default 24 hours.
    /// </summary>
    public TimeSpan UnsentUploadTtl { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The longest <see cref="ExpirySweepInterval"/> (what a periodic timer can wait, about 49 days).</summary>
    public static readonly TimeSpan MaxExpirySweepInterval = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>How often expired uploads (abandoned or unsent) are looked for. Default 5 minutes; at most <see cref="MaxExpirySweepInterval"/>.</summary>
    public TimeSpan ExpirySweepInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The folder of the default filesystem blob store (ignored when another <see cref="IBlobStore"/> is registered).</summary>
    public string FileSystemRootPath { get; set; } = new FileSystemBlobStoreOptions().RootPath;
}
