using System.Buffers;
using System.Net.WebSockets;

namespace Messaging.LoadGen.Targets;

/// <summary>
/// A client WebSocket carrying text messages: one receive loop handing each complete message to a callback, and
/// sends serialised by a lock (a WebSocket allows one send at a time). Messages written with
/// <see cref="SendAsync{TState}"/> go through one reusable buffer under that lock, so a send allocates no buffer.
/// </summary>
internal sealed class TextSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ArrayBufferWriter<byte> _sendBuffer = new(512);
    private readonly Action<ReadOnlySpan<byte>> _onMessage;
    private readonly Task _receiveLoop;

    private TextSocket(ClientWebSocket socket, Action<ReadOnlySpan<byte>> onMessage)
    {
        _socket = socket;
        _onMessage = onMessage;
        _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    public bool IsOpen => _socket.State == WebSocketState.Open;

    public static async Task<TextSocket> ConnectAsync(Uri uri, HttpMessageInvoker invoker, Action<ReadOnlySpan<byte>> onMessage, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            await socket.ConnectAsync(uri, invoker, timeout.Token).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new TextSocket(socket, onMessage);
    }

    public async ValueTask SendAsync(ReadOnlyMemory<byte> utf8, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(utf8, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends the message <paramref name="write"/> puts into the socket's send buffer (held until the send completes).</summary>
    public async ValueTask SendAsync<TState>(TState state, Action<TState, IBufferWriter<byte>> write, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _sendBuffer.ResetWrittenCount();
            write(state, _sendBuffer);
            await _socket.SendAsync(_sendBuffer.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public void Abort() => _socket.Abort();

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
            {
                // Closing a connection the server already dropped.
            }
        }

        _socket.Abort();
        await _receiveLoop.ConfigureAwait(false);
        _socket.Dispose();
        _sendLock.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer.GetMemory(4096), CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                buffer.Advance(result.Count);
                if (result.EndOfMessage)
                {
                    _onMessage(buffer.WrittenSpan);
                    buffer.ResetWrittenCount();
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Aborted or dropped: the connection reports IsOpen = false.
        }
    }
}
