using System.Buffers.Binary;
using System.Numerics;

namespace Messaging.Stores.Cassandra.Cql.Routing;

/// <summary>
/// The token <c>Murmur3Partitioner</c> (Cassandra's default since 1.2, and ScyllaDB's) gives a partition key: the first
/// 64 bits of MurmurHash3 x64 128 with seed 0, as Cassandra computes it.
/// </summary>
/// <remarks>
/// Cassandra's version differs from the reference hash in one place, and the ring depends on it: the bytes of the last,
/// partial block are read as signed bytes (sign-extended before they are shifted into place), while full blocks are read
/// as unsigned little-endian words. <see cref="long.MinValue"/> is not a token the ring uses; the partitioner maps it to
/// <see cref="long.MaxValue"/>.
/// </remarks>
internal static class Murmur3Token
{
    private const ulong C1 = 0x87c37b91114253d5;
    private const ulong C2 = 0x4cf5ad432745937f;

    /// <summary>The token of a routing key (the partition key's bytes, see <see cref="RoutingKey"/>).</summary>
    /// <param name="key">The routing key.</param>
    /// <returns>The token.</returns>
    public static long Of(ReadOnlySpan<byte> key)
    {
        ulong h1 = 0, h2 = 0;
        var blocks = key.Length / 16;
        for (var i = 0; i < blocks; i++)
        {
            var k1 = BinaryPrimitives.ReadUInt64LittleEndian(key.Slice(i * 16));
            var k2 = BinaryPrimitives.ReadUInt64LittleEndian(key.Slice((i * 16) + 8));

            h1 ^= MixK1(k1);
            h1 = (BitOperations.RotateLeft(h1, 27) + h2) * 5 + 0x52dce729;

            h2 ^= MixK2(k2);
            h2 = (BitOperations.RotateLeft(h2, 31) + h1) * 5 + 0x38495ab5;
        }

        var tail = key.Slice(blocks * 16);
        ulong t1 = 0, t2 = 0;
        for (var i = tail.Length - 1; i >= 8; i--)
        {
            t2 ^= Signed(tail[i]) << ((i - 8) * 8);
        }

        for (var i = Math.Min(tail.Length, 8) - 1; i >= 0; i--)
        {
            t1 ^= Signed(tail[i]) << (i * 8);
        }

        if (tail.Length > 8)
        {
            h2 ^= MixK2(t2);
        }

        if (tail.Length > 0)
        {
            h1 ^= MixK1(t1);
        }

        h1 ^= (ulong)key.Length;
        h2 ^= (ulong)key.Length;
        h1 += h2;
        h2 += h1;
        h1 = Fmix(h1);
        h2 = Fmix(h2);
        h1 += h2;

        var token = (long)h1;
        return token == long.MinValue ? long.MaxValue : token;
    }

    // Cassandra reads a tail byte as Java's signed byte widened to long.
    private static ulong Signed(byte value) => (ulong)(long)(sbyte)value;

    private static ulong MixK1(ulong k1) => BitOperations.RotateLeft(k1 * C1, 31) * C2;

    private static ulong MixK2(ulong k2) => BitOperations.RotateLeft(k2 * C2, 33) * C1;

    private static ulong Fmix(ulong k)
    {
        k ^= k >> 33;
        k *= 0xff51afd7ed558ccd;
        k ^= k >> 33;
        k *= 0xc4ceb9fe1a85ec53;
        k ^= k >> 33;
        return k;
    }
}
