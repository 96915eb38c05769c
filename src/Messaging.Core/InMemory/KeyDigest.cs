using System.Numerics;
using System.Runtime.InteropServices;

namespace Messaging;

/// <summary>
/// A 128-bit digest of a key made of strings, which the in-memory stores keep instead of the strings themselves (message
/// ids, de-duplication keys): an entry then holds no reference, so the garbage collector neither copies a string per
/// message out of its youngest generation nor scans the ever-growing maps for references on every collection (which,
/// with a map written at random places, means scanning all of it).
/// </summary>
/// <remarks>
/// Two independent 64-bit lanes over the UTF-16 text, each string preceded by its length (so no two different key
/// tuples feed the same sequence), with seeds drawn once per process. Not cryptographic: the keys are either made by
/// the server (message ids) or include the caller's own user id (de-duplication), so nobody can aim a collision at
/// someone else's key, and by chance two of four billion keys collide with a probability of about 2^-64.
/// </remarks>
internal readonly record struct KeyDigest(ulong High, ulong Low)
{
    private const ulong PrimeA = 0x9E3779B97F4A7C15;
    private const ulong PrimeB = 0xC2B2AE3D27D4EB4F;

    private static readonly ulong SeedA = (ulong)Random.Shared.NextInt64() | 1;
    private static readonly ulong SeedB = (ulong)Random.Shared.NextInt64() | 2;

    /// <summary>The digest of one string.</summary>
    public static KeyDigest Of(string value)
    {
        ulong a = SeedA, b = SeedB;
        Add(ref a, ref b, value);
        return From(a, b);
    }

    /// <summary>The digest of three strings in this order.</summary>
    public static KeyDigest Of(string first, string second, string third)
    {
        ulong a = SeedA, b = SeedB;
        Add(ref a, ref b, first);
        Add(ref a, ref b, second);
        Add(ref a, ref b, third);
        return From(a, b);
    }

    /// <summary>The digest of a de-duplication key.</summary>
    public static KeyDigest Of(DeduplicationKey key) => Of(key.ConversationId, key.SenderId, key.ClientMsgId);

    private static void Add(ref ulong a, ref ulong b, string value)
    {
        var text = value.AsSpan();
        a = StepA(a, (ulong)text.Length);
        b = StepB(b, (ulong)text.Length);
        var words = MemoryMarshal.Cast<char, ulong>(text);
        foreach (var word in words)
        {
            a = StepA(a, word);
            b = StepB(b, word);
        }

        ulong tail = 0;
        for (var i = words.Length * 4; i < text.Length; i++)
        {
            tail = (tail << 16) | text[i];
        }

        a = StepA(a, tail);
        b = StepB(b, tail);
    }

    // The high lane's lowest bit is always set, so no digest is all zeros (an empty slot of a DigestMap); 127 bits remain.
    private static KeyDigest From(ulong a, ulong b) => new(Finish(a) | 1, Finish(b));

    private static ulong StepA(ulong hash, ulong value) => BitOperations.RotateLeft(hash ^ (value * PrimeA), 27) * PrimeB;

    private static ulong StepB(ulong hash, ulong value) => (BitOperations.RotateLeft(hash, 31) ^ value) * PrimeA + PrimeB;

    // Spreads every input bit over the whole word (the finaliser of MurmurHash3's 64-bit variant).
    private static ulong Finish(ulong hash)
    {
        hash ^= hash >> 33;
        hash *= 0xFF51AFD7ED558CCD;
        hash ^= hash >> 33;
        hash *= 0xC4CEB9FE1A85EC53;
        return hash ^ (hash >> 33);
    }
}
