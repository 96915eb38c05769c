using System.Runtime.CompilerServices;
using Messaging.Protocol;

namespace Messaging.Transports.AspNetCore;

/// <summary>
/// The encoded <c>message</c> frames of recently delivered messages, shared by every connection of the gateway, so a
/// fan-out to N local members serialises the message once instead of N times (the frame has nothing per recipient).
/// Keyed by the <see cref="Message"/> object's reference: a fixed array of slots indexed by its identity hash, each
/// holding an immutable entry that is replaced, never mutated, so readers need no lock. A message seen for the first
/// time is only remembered (a reference in a second array, no allocation); its bytes are kept from the second delivery
/// on, so a message delivered once (a direct chat) costs no copy and no entry. Bounded: at most <see cref="SlotCount"/> entries, frames larger than
/// <see cref="MaxCachedFrameBytes"/> are never kept.
/// </summary>
internal sealed class EncodedMessageCache
{
    public const int SlotCount = 1024;
    public const int MaxCachedFrameBytes = 16 * 1024;

    private readonly Entry?[] _slots = new Entry?[SlotCount];
    private readonly Message?[] _seen = new Message?[SlotCount];

    /// <summary>
    /// The cached frame of <paramref name="message"/>, or <see langword="null"/> when the caller should serialise it
    /// (<see cref="Write"/>) itself.
    /// </summary>
    public byte[]? TryGet(Message message)
    {
        var index = Index(message);
        ref var slot = ref _slots[index];
        if (Volatile.Read(ref slot) is { } entry && ReferenceEquals(entry.Message, message))
        {
            return entry.Frame;
        }

        ref var seen = ref _seen[index];
        if (!ReferenceEquals(Volatile.Read(ref seen), message))
        {
            Volatile.Write(ref seen, message);
            return null;
        }

        // Second delivery: from now on the bytes are worth keeping.
        var frame = Encode(message);
        if (frame.Length <= MaxCachedFrameBytes)
        {
            Volatile.Write(ref slot, new Entry(message, frame));
        }

        return frame;
    }

    /// <summary>Serialises the <c>message</c> frame of <paramref name="message"/> into <paramref name="output"/>.</summary>
    public static void Write(Message message, FrameBuffer output) => ProtocolWriter.Write(new MessageFrame(WireMapping.ToData(message)), output);

    private static byte[] Encode(Message message)
    {
        var buffer = FrameBuffer.Rent();
        try
        {
            Write(message, buffer);
            return buffer.WrittenMemory.ToArray();
        }
        finally
        {
            FrameBuffer.Return(buffer);
        }
    }

    private static int Index(Message message) => RuntimeHelpers.GetHashCode(message) & (SlotCount - 1);

    private sealed class Entry(Message message, byte[] frame)
    {
        public Message Message { get; } = message;

        public byte[] Frame { get; } = frame;
    }
}
