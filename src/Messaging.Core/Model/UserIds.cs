using System.Text;

namespace Messaging;

/// <summary>
/// The form of a user id the server accepts wherever a client names a user (a direct chat's other user, group
/// members, member changes, presence look-ups and subscriptions, the development sign-in): 1 to
/// <see cref="MaxLength"/> Unicode characters (code points), each a letter or a number of any script, or one of
/// <c>. _ @ -</c>. The same rule as the sample browser client's sign-in check.
/// </summary>
public static class UserIds
{
    /// <summary>The most characters (Unicode code points) a user id may have: 64.</summary>
    public const int MaxLength = 64;

    /// <summary>The rule in words, for error messages.</summary>
    public const string Description = "1-64 letters, digits, dots, dashes, underscores or @";

    /// <summary>Whether <paramref name="value"/> is a well-formed user id.</summary>
    /// <param name="value">The candidate id.</param>
    /// <returns><see langword="true"/> when it follows the rule.</returns>
    public static bool IsValid(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        // A lone surrogate enumerates as U+FFFD, which is neither a letter nor a number.
        var count = 0;
        foreach (var rune in value.EnumerateRunes())
        {
            if (++count > MaxLength || !(Rune.IsLetter(rune) || Rune.IsNumber(rune) || rune.Value is '.' or '_' or '@' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
