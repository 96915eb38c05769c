namespace Messaging;

/// <summary>The media a message carries, as recipients see it (so they can render it before downloading).</summary>
/// <param name="ContentType">The content type, checked against the bytes on upload.</param>
/// <param name="Length">The size in bytes.</param>
/// <param name="FileName">The sanitised file name.</param>
public sealed record MediaAttachment(string ContentType, long Length, string FileName);
