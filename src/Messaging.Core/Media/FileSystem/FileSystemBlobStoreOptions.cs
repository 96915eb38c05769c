namespace Messaging;

/// <summary>Options of <see cref="FileSystemBlobStore"/>.</summary>
public sealed class FileSystemBlobStoreOptions
{
    /// <summary>
    /// The folder that holds every upload and blob (created when missing). Files in it are named from generated blob
    /// ids only; nothing a client sends becomes part of a path. Default: <c>media</c> under the system temp folder.
    /// </summary>
    public string RootPath { get; set; } = Path.Combine(Path.GetTempPath(), "messaging-media");
}
