namespace Messaging;

/// <summary>Reads through to an inner stream (not owned) and keeps a copy of the first bytes, for the content check.</summary>
internal sealed class HeadCapturingStream(Stream inner, int headLength) : ReadOnlyStream
{
    private readonly byte[] _head = new byte[headLength];
    private int _captured;

    /// <summary>The first bytes read so far (at most the head length).</summary>
    public ReadOnlySpan<byte> Head => _head.AsSpan(0, _captured);

    /// <summary>Whether the whole head length was read.</summary>
    public bool IsComplete => _captured == _head.Length;

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        Capture(buffer[..read]);
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Capture(buffer.Span[..read]);
        return read;
    }

    private void Capture(ReadOnlySpan<byte> bytes)
    {
        var take = Math.Min(bytes.Length, _head.Length - _captured);
        bytes[..take].CopyTo(_head.AsSpan(_captured));
        _captured += take;
    }
}
