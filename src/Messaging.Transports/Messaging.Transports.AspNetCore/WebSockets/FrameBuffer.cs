using System.Buffers;

namespace Messaging.Transports.AspNetCore;

/// <summary>
/// A growable buffer over pooled arrays that one frame is serialised into. Rented per send and returned as soon as the
/// socket write completed, so an idle connection holds no send buffer. One buffer is cached per thread (the common
/// case: serialise, send synchronously, return); a buffer whose send went asynchronous simply comes back later.
/// </summary>
internal sealed class FrameBuffer : IBufferWriter<byte>
{
    private const int InitialSize = 1024;
    private const int RetainedSize = 64 * 1024;

    [ThreadStatic]
    private static FrameBuffer? t_cached;

    private byte[] _array = [];
    private int _written;

    public ReadOnlyMemory<byte> WrittenMemory => _array.AsMemory(0, _written);

    public static FrameBuffer Rent()
    {
        var buffer = t_cached;
        if (buffer is null)
        {
            return new FrameBuffer();
        }

        t_cached = null;
        return buffer;
    }

    public static void Return(FrameBuffer buffer)
    {
        buffer._written = 0;
        if (buffer._array.Length > RetainedSize || t_cached is not null)
        {
            // Too large to keep, or this thread already has one (the buffer of an asynchronous send came back here).
            if (buffer._array.Length != 0)
            {
                ArrayPool<byte>.Shared.Return(buffer._array);
            }

            buffer._array = [];
        }

        t_cached ??= buffer;
    }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _array.Length - _written);
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsSpan(_written);
    }

    private void Ensure(int sizeHint)
    {
        var needed = _written + Math.Max(sizeHint, 1);
        if (needed <= _array.Length)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(InitialSize, _array.Length * 2)));
        _array.AsSpan(0, _written).CopyTo(larger);
        if (_array.Length != 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }

        _array = larger;
    }
}
