namespace Messaging.Client.Connection;

/// <summary>The server URLs the client uses (DESIGN section 6), derived from the configured base address.</summary>
internal static class Endpoints
{
    /// <summary>The base address with a trailing slash, so relative paths append to its path instead of replacing the last segment.</summary>
    /// <param name="serverUri">The configured address.</param>
    /// <returns>The normalised base.</returns>
    public static Uri NormaliseBase(Uri serverUri)
    {
        var builder = new UriBuilder(serverUri) { Query = string.Empty, Fragment = string.Empty };
        if (!builder.Path.EndsWith('/'))
        {
            builder.Path += "/";
        }

        return builder.Uri;
    }

    /// <summary>The WebSocket URL <c>ws(s)://host/base/ws?device_id=..&amp;access_token=..</c>.</summary>
    /// <param name="baseUri">The normalised base address.</param>
    /// <param name="deviceId">The device id.</param>
    /// <param name="accessToken">The access token, if any.</param>
    /// <returns>The URL.</returns>
    public static Uri WebSocket(Uri baseUri, string deviceId, string? accessToken)
    {
        var builder = new UriBuilder(new Uri(baseUri, "ws"))
        {
            Scheme = baseUri.Scheme == Uri.UriSchemeHttps ? Uri.UriSchemeWss : Uri.UriSchemeWs,
        };
        var query = "device_id=" + Uri.EscapeDataString(deviceId);
        if (!string.IsNullOrEmpty(accessToken))
        {
            query += "&access_token=" + Uri.EscapeDataString(accessToken);
        }

        builder.Query = query;
        return builder.Uri;
    }

    /// <summary>A REST path relative to the base, with each segment escaped.</summary>
    /// <param name="segments">The path segments, for example <c>"conversations", id, "messages"</c>.</param>
    /// <returns>The relative path.</returns>
    public static string Path(params ReadOnlySpan<string> segments)
    {
        var escaped = new string[segments.Length];
        for (var i = 0; i < segments.Length; i++)
        {
            escaped[i] = Uri.EscapeDataString(segments[i]);
        }

        return string.Join('/', escaped);
    }
}
