namespace Messaging.Protocol;

/// <summary>
/// <c>media</c> of a message: what recipients need to render an attachment before downloading it from
/// <c>GET /media/{media_id}</c>. Written only for media messages (an additive field; older readers ignore it).
/// </summary>
/// <param name="ContentType"><c>content_type</c>: the checked content type.</param>
/// <param name="Size"><c>size</c>: the size in bytes.</param>
/// <param name="FileName"><c>file_name</c>: the sanitised file name.</param>
public sealed record MediaData(string ContentType, long Size, string FileName);
