using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Messaging.Transports.AspNetCore;

/// <summary>
/// The tus 1.0 vocabulary the gateway speaks (core, creation, termination): header names, the version, and the
/// parsing of <c>Upload-Metadata</c> (comma-separated <c>key base64(value)</c> pairs).
/// </summary>
internal static class TusProtocol
{
    public const string Version = "1.0.0";
    public const string Extensions = "creation,termination";
    public const string OffsetContentType = "application/offset+octet-stream";

    public const string TusResumable = "Tus-Resumable";
    public const string TusVersion = "Tus-Version";
    public const string TusExtension = "Tus-Extension";
    public const string TusMaxSize = "Tus-Max-Size";
    public const string UploadOffset = "Upload-Offset";
    public const string UploadLength = "Upload-Length";
    public const string UploadMetadata = "Upload-Metadata";

    /// <summary>The metadata keys read for the file name and content type (the first present wins).</summary>
    public static readonly string[] FileNameKeys = ["filename", "name"];

    /// <summary>The metadata keys read for the content type.</summary>
    public static readonly string[] FileTypeKeys = ["filetype", "type", "content_type"];

    /// <summary>A non-negative integer header, or <see langword="null"/> when missing or malformed.</summary>
    public static long? ReadInt64(HttpRequest request, string header)
    {
        var value = request.Headers[header].ToString();
        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : null;
    }

    /// <summary>Parses <c>Upload-Metadata</c>; <see langword="null"/> when malformed (bad base64, empty key, duplicate key).</summary>
    public static Dictionary<string, string>? ParseMetadata(string? header)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(header))
        {
            return metadata;
        }

        foreach (var pair in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var space = pair.IndexOf(' ', StringComparison.Ordinal);
            var key = space < 0 ? pair : pair[..space];
            var encoded = space < 0 ? string.Empty : pair[(space + 1)..].Trim();
            if (key.Length == 0 || metadata.ContainsKey(key))
            {
                return null;
            }

            var bytes = new byte[encoded.Length];
            if (!Convert.TryFromBase64String(encoded, bytes, out var written))
            {
                return null;
            }

            metadata[key] = Encoding.UTF8.GetString(bytes, 0, written);
        }

        return metadata;
    }

    /// <summary>The first value present under one of <paramref name="keys"/>.</summary>
    public static string? First(Dictionary<string, string> metadata, string[] keys)
    {
        foreach (var key in keys)
        {
            if (metadata.TryGetValue(key, out var value))
            {
                return value;
            }
        }

        return null;
    }
}
