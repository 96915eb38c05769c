using System.Text;

namespace ChatClient;

/// <summary>
/// Which user ids people may type: the rule of the browser client's sign-in form (<c>js/core/session.js</c> of the
/// sample server), so that the console never creates a chat the browser cannot open.
/// </summary>
internal static class UserIds
{
    /// <summary>The longest user id, in characters (Unicode code points).</summary>
    public const int MaxLength = 64;

    /// <summary>What a valid user id looks like, for error messages.</summary>
    public const string Rule = "use 1 to 64 letters, digits, dots, dashes, underscores or @";

    /// <summary>1 to 64 Unicode letters, numbers and <c>. _ @ -</c>.</summary>
    public static bool IsValid(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        var length = 0;
        foreach (var rune in value.EnumerateRunes())
        {
            // A lone surrogate enumerates as U+FFFD, which is neither a letter nor a number.
            if (++length > MaxLength || !(Rune.IsLetter(rune) || Rune.IsNumber(rune) || rune.Value is '.' or '_' or '@' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The message for an id that <see cref="IsValid"/> refuses.</summary>
    public static string Problem(string value) => $"\"{value}\" is not a valid user id: {Rule}.";
}
