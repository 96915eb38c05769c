namespace Messaging.Client;

/// <summary>A completed upload, ready to be sent in a message.</summary>
/// <param name="MediaId">The media id (the last segment of the upload's location).</param>
/// <param name="Length">The size in bytes.</param>
/// <param name="ContentType">The declared content type.</param>
/// <param name="FileName">The file name sent with the upload (the server keeps only its base name).</param>
public sealed record UploadedMedia(string MediaId, long Length, string ContentType, string FileName);
