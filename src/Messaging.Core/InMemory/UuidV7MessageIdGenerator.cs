using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Messaging;

/// <summary>
/// The default <see cref="IMessageIdGenerator"/>: UUIDv7 (RFC 9562) stamped with the <see cref="TimeProvider"/>'s
/// time, formatted as 36 lower-case characters with hyphens (for example <c>0190f1c2-7a3b-7c4d-8e5f-0123456789ab</c>).
/// </summary>
/// <remarks>
/// Ids sort by their millisecond timestamp; ids from the same millisecond are unique (74 random bits) but in random
/// order, so order messages by seq, never by id. The random bits come from the operating system's cryptographic
/// generator, drawn a block at a time per thread: one id per send would otherwise cost one system call per message.
/// Thread-safe.
/// </remarks>
public sealed class UuidV7MessageIdGenerator : IMessageIdGenerator
{
    // Random bytes one id takes (rand_a and rand_b with their version and variant bits overwritten) and one block holds.
    private const int RandomBytesPerId = 10;
    private const int BlockSize = 4000;

    [ThreadStatic]
    private static byte[]? t_block;

    [ThreadStatic]
    private static int t_used;

    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the generator.</summary>
    /// <param name="timeProvider">The clock whose time is embedded in each id.</param>
    public UuidV7MessageIdGenerator(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
    }

    /// <inheritdoc />
    public string NewMessageId()
    {
        var milliseconds = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);

        // Big-endian layout (RFC 9562 §5.7): 48 bits of Unix milliseconds, version 7 and 12 random bits, variant 0b10
        // and 62 random bits.
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteInt64BigEndian(bytes, milliseconds << 16);
        TakeRandom(bytes[6..]);
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F));
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true).ToString("D");
    }

    private static void TakeRandom(Span<byte> destination)
    {
        var block = t_block;
        if (block is null || t_used > BlockSize - RandomBytesPerId)
        {
            block = t_block ??= new byte[BlockSize];
            RandomNumberGenerator.Fill(block);
            t_used = 0;
        }

        var taken = block.AsSpan(t_used, RandomBytesPerId);
        taken.CopyTo(destination);

        // Used bytes are cleared, so no id's random bits stay readable in memory after it was made.
        taken.Clear();
        t_used += RandomBytesPerId;
    }
}
