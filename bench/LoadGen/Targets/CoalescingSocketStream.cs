using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace Messaging.LoadGen.Targets;

/// <summary>
/// A client's TCP connection whose writes are coalesced the way a pipe-based transport coalesces them: a write copies
/// its bytes into a pipe and returns, and one send loop hands everything written since its last send to the socket in
/// one call. Under load several WebSocket frames then share a <c>send</c> (and the server a <c>recv</c>), as they do
/// for SignalR's client, whose transport writes through a pipe too; without load every frame still leaves at once.
/// Reads go straight to the socket. Every target's client connects through it (<see cref="LoopbackSockets"/>), so the
/// client's cost per frame is the same for all of them.
/// </summary>
internal sealed class CoalescingSocketStream : Stream
{
    // Bytes written and not yet sent before a write waits for the send loop (a slow server then slows the client).
    private const long PauseThreshold = 1024 * 1024;

    // How long a disposed connection's send loop may take to send what is left before the socket is closed anyway.
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    private readonly Socket _socket;
    private readonly NetworkStream _reads;
    private readonly Pipe _pipe = new(new PipeOptions(
        pauseWriterThreshold: PauseThreshold,
        resumeWriterThreshold: PauseThreshold / 2,
        readerScheduler: PipeScheduler.ThreadPool,
        writerScheduler: PipeScheduler.Inline,
        useSynchronizationContext: false));

    private readonly Task _sendLoop;
    private int _disposed;
    private long _sends;

    public CoalescingSocketStream(Socket socket)
    {
        _socket = socket;
        _reads = new NetworkStream(socket, ownsSocket: false);
        _sendLoop = SendLoopAsync();
    }

    /// <summary>Socket send calls made so far (each carries every write made since the one before).</summary>
    public long Sends => Interlocked.Read(ref _sends);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => _reads.Read(buffer, offset, count);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _reads.ReadAsync(buffer, offset, count, cancellationToken);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _reads.ReadAsync(buffer, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _pipe.Writer.Write(buffer.Span);
        var flush = _pipe.Writer.FlushAsync(cancellationToken);
        return flush.IsCompletedSuccessfully ? Written(flush.Result) : AwaitWrittenAsync(flush);
    }

    // The send loop sends on its own; a flush has nothing to wait for.
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    // Ending the writes lets the send loop send what is still buffered (a close frame, say) before the socket closes.
    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _pipe.Writer.Complete();
            _ = CloseWhenSentAsync();
        }

        base.Dispose(disposing);
    }

    // The send loop stopped (the socket failed or the stream was disposed): the write is lost.
    private static ValueTask Written(FlushResult result) =>
        result.IsCompleted ? ValueTask.FromException(new IOException("The connection is closed.")) : ValueTask.CompletedTask;

    private static async ValueTask AwaitWrittenAsync(ValueTask<FlushResult> flush) => await Written(await flush.ConfigureAwait(false)).ConfigureAwait(false);

    private async Task SendLoopAsync()
    {
        var reader = _pipe.Reader;
        Exception? failure = null;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    await SendAsync(buffer).ConfigureAwait(false);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception exception)
        {
            // The socket failed (or was closed): later writes see the pipe completed and fail.
            failure = exception;
        }
        finally
        {
            await reader.CompleteAsync(failure).ConfigureAwait(false);
        }
    }

    private async Task CloseWhenSentAsync()
    {
        try
        {
            await _sendLoop.WaitAsync(CloseTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The peer stopped reading: what is left is dropped with the socket.
        }

        _socket.Dispose();
        _reads.Dispose();
    }

    // One send call for all that was written, copied into one array when the pipe holds it in several segments.
    private async ValueTask SendAsync(ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsSingleSegment)
        {
            await SendAllAsync(buffer.First).ConfigureAwait(false);
            return;
        }

        var length = checked((int)buffer.Length);
        var array = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            buffer.CopyTo(array);
            await SendAllAsync(array.AsMemory(0, length)).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            Interlocked.Increment(ref _sends);
            var sent = await _socket.SendAsync(bytes, SocketFlags.None).ConfigureAwait(false);
            bytes = bytes[sent..];
        }
    }
}
