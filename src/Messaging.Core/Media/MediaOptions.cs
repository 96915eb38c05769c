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

    /// <summary>An incomplete upload with no new bytes for this long is deleted. Default 24 hours.</summary>
    public TimeSpan AbandonedUploadTtl { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often abandoned uploads are looked for. Default 5 minutes.</summary>
    public TimeSpan ExpirySweepInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The folder of the default filesystem blob store (ignored when another <see cref="IBlobStore"/> is registered).</summary>
    public string FileSystemRootPath { get; set; } = new FileSystemBlobStoreOptions().RootPath;
}
