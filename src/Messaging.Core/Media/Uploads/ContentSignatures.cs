using System.Text;

namespace Messaging;

/// <summary>
/// Checks that an upload's first bytes fit its declared content type ("magic numbers"), and refuses markup and
/// executables whatever the declared type, so a file served back can never act as a page or a program.
/// </summary>
internal static class ContentSignatures
{
    /// <summary>How many leading bytes the check reads.</summary>
    public const int HeadLength = 512;

    private static readonly string[] ActiveTypes =
    [
        "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml", "text/javascript",
        "application/javascript", "application/ecmascript", "text/ecmascript",
    ];

    // Markup a browser would render if it ever sniffed the bytes.
    private static readonly string[] MarkupOpeners = ["<!doctype", "<html", "<head", "<body", "<script", "<iframe", "<svg", "<?xml", "<!--", "<object", "<embed"];

    /// <summary>Whether <paramref name="contentType"/> is <c>type/subtype</c> of token characters, without parameters.</summary>
    public static bool IsWellFormed(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType) || contentType.Length > 127)
        {
            return false;
        }

        var slash = contentType.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == contentType.Length - 1 || contentType.IndexOf('/', slash + 1) >= 0)
        {
            return false;
        }

        foreach (var c in contentType)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '/' and not '.' and not '+' and not '-' and not '_')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether the type is one a browser executes or renders as a document (never allowed).</summary>
    public static bool IsActiveContent(string contentType) =>
        ActiveTypes.Contains(contentType, StringComparer.OrdinalIgnoreCase) || contentType.EndsWith("+xml", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether images of this type may be shown inline (everything else is an attachment).</summary>
    public static bool IsInlineImage(string contentType) =>
        contentType.ToLowerInvariant() is "image/png" or "image/jpeg" or "image/gif" or "image/webp";

    /// <summary>Whether <paramref name="head"/> (the first bytes of the upload) fits <paramref name="contentType"/>.</summary>
    public static bool Matches(string contentType, ReadOnlySpan<byte> head)
    {
        if (IsExecutable(head) || StartsWithMarkup(head))
        {
            return false;
        }

        return contentType.ToLowerInvariant() switch
        {
            "image/png" => head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
            "image/jpeg" => head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]),
            "image/gif" => head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8),
            "image/webp" => head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8),
            "application/pdf" => head.StartsWith("%PDF-"u8),
            "video/mp4" => head.Length >= 8 && head[4..8].SequenceEqual("ftyp"u8),
            "audio/mpeg" => head.StartsWith("ID3"u8) || (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0),
            "application/zip" => head.StartsWith("PK\x03\x04"u8) || head.StartsWith("PK\x05\x06"u8),
            "text/plain" => !head.Contains((byte)0) && !ContainsMarkup(head),
            _ => !ContainsMarkup(head),
        };
    }

    private static bool IsExecutable(ReadOnlySpan<byte> head) =>
        head.StartsWith((ReadOnlySpan<byte>)[0x7F, 0x45, 0x4C, 0x46]) // ELF
        || head.StartsWith("MZ"u8) // PE (Windows .exe, .dll)
        || head.StartsWith("#!"u8) // script with an interpreter line
        || head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xED, 0xFA, 0xCE]) || head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xED, 0xFA, 0xCF])
        || head.StartsWith((ReadOnlySpan<byte>)[0xCE, 0xFA, 0xED, 0xFE]) || head.StartsWith((ReadOnlySpan<byte>)[0xCF, 0xFA, 0xED, 0xFE])
        || head.StartsWith((ReadOnlySpan<byte>)[0xCA, 0xFE, 0xBA, 0xBE]); // Mach-O, Java class

    private static bool StartsWithMarkup(ReadOnlySpan<byte> head)
    {
        var text = Lowered(head);
        var start = text.AsSpan().TrimStart("\uFEFF\u00EF\u00BB\u00BF \t\r\n\f");
        foreach (var opener in MarkupOpeners)
        {
            if (start.StartsWith(opener, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ContainsMarkup(ReadOnlySpan<byte> head)
    {
        var text = Lowered(head);
        foreach (var opener in MarkupOpeners)
        {
            if (text.Contains(opener, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    // Latin-1 keeps one char per byte, so offsets and binary noise survive.
    private static string Lowered(ReadOnlySpan<byte> head) => Encoding.Latin1.GetString(head).ToLowerInvariant();
}
