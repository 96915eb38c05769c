namespace Messaging;

/// <summary>An upload and how many of its bytes are stored.</summary>
/// <param name="Media">The upload's metadata.</param>
/// <param name="Offset">The bytes stored so far (the length once complete).</param>
public readonly record struct MediaUploadProgress(MediaRecord Media, long Offset);
