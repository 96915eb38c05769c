using System.Text;

namespace Messaging;

/// <summary>Turns a client-supplied file name into a harmless display name: the base name only, no control characters.</summary>
internal static class MediaFileNames
{
    public const int MaxLength = 255;
    public const string Fallback = "file";

    public static string Sanitize(string? fileName)
    {
        if (string.IsNullOrWhiteSpace(fileName))
        {
            return Fallback;
        }

        // Both separators count, whatever the server's platform: "..\\..\\x" and "../../x" are both "x".
        var lastSeparator = fileName.LastIndexOfAny(['/', '\\']);
        var baseName = fileName[(lastSeparator + 1)..];
        var builder = new StringBuilder(baseName.Length);
        foreach (var c in baseName)
        {
            if (!char.IsControl(c) && c is not '"' and not ':' and not '*' and not '?' and not '<' and not '>' and not '|'
                && char.GetUnicodeCategory(c) is not System.Globalization.UnicodeCategory.Format)
            {
                builder.Append(c);
            }
        }

        var name = builder.ToString().Trim().TrimStart('.').Trim();
        if (name.Length > MaxLength)
        {
            name = name[..MaxLength];
        }

        return name.Length == 0 ? Fallback : name;
    }
}
