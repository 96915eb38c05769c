namespace Messaging;

/// <summary>The one rule for blob ids: generated, short, and safe as a file name or object key.</summary>
public static class BlobIds
{
    /// <summary>The longest id.</summary>
    public const int MaxLength = 64;

    /// <summary>A new id: 32 lowercase hex digits, time-ordered.</summary>
    /// <returns>The id.</returns>
    public static string New() => Guid.CreateVersion7().ToString("N");

    /// <summary>Whether the id is 1..64 letters, digits, <c>-</c> or <c>_</c> (no dots, no separators).</summary>
    /// <param name="blobId">The id.</param>
    /// <returns>Whether a store may use it as a name.</returns>
    public static bool IsValid(string? blobId)
    {
        if (string.IsNullOrEmpty(blobId) || blobId.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in blobId)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Throws <see cref="ArgumentException"/> for an invalid id.</summary>
    internal static string Require(string? blobId) =>
        IsValid(blobId) ? blobId! : throw new ArgumentException("A blob id is 1..64 letters, digits, '-' or '_'.", nameof(blobId));
}
