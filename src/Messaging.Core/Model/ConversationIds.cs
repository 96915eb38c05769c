using System.Security.Cryptography;
using System.Text;

namespace Messaging;

/// <summary>Deterministic conversation ids.</summary>
public static class ConversationIds
{
    /// <summary>
    /// The id of the direct conversation between two users. It depends only on the unordered pair, so both sides
    /// converge on one conversation without a race.
    /// </summary>
    /// <param name="userA">One user.</param>
    /// <param name="userB">The other user.</param>
    /// <returns>An id of the form <c>d_</c> followed by 32 lower-case hex digits.</returns>
    public static string Direct(string userA, string userB)
    {
        ArgumentException.ThrowIfNullOrEmpty(userA);
        ArgumentException.ThrowIfNullOrEmpty(userB);
        var (first, second) = string.CompareOrdinal(userA, userB) <= 0 ? (userA, userB) : (userB, userA);

        // Length-prefix the first id so that ("ab","c") and ("a","bc") never collide.
        var input = Encoding.UTF8.GetBytes($"{first.Length}:{first}\n{second}");
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input, hash);
        return "d_" + Convert.ToHexStringLower(hash[..16]);
    }
}
