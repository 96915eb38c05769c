using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;
using Messaging.Protocol;
using Microsoft.Extensions.Logging;

namespace Messaging.Transports.AspNetCore;

/// <summary>
/// The engine's view of one WebSocket (<see cref="IClientConnection"/>): a bounded queue of frames drained by one
/// writer loop, so writes never block the engine. A full queue makes <see cref="TryWrite"/> fail (the engine then
/// aborts the slow consumer); catch-up waits for room first (<see cref="WaitToWriteAsync"/>), so a backlog larger than
/// the queue is paced, not aborted. Every close goes through <see cref="Close"/>: pending frames are dropped, the close
/// frame is sent, and the socket is dropped if the client does not finish the handshake within the close timeout.
/// </summary>
internal sealed class WebSocketClientConnection : IFlowControlledClientConnection, IAsyncDisposable
{
    private const int InitialBufferSize = 4096;
    private const int RetainedBufferSize = 64 * 1024;

    private readonly WebSocket _socket;
    private readonly MessagingGatewayOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly GatewayMetrics _metrics;
    private readonly Channel<ServerFrame> _outbound;
    private readonly CancellationTokenSource _closing = new();
    private ITimer? _closeTimer;
    private int _closeRequested;
    private int _closeStatus;
    private string _closeReason = string.Empty;

    public WebSocketClientConnection(WebSocket socket, MessagingGatewayOptions options, TimeProvider time, ILogger logger, GatewayMetrics metrics)
    {
        _socket = socket;
        _options = options;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _outbound = Channel.CreateBounded<ServerFrame>(new BoundedChannelOptions(options.SendQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public string ConnectionId { get; } = Guid.CreateVersion7().ToString("N");

    /// <summary>Whether a close was requested; frames received from now on are ignored.</summary>
    public bool IsClosing => Volatile.Read(ref _closeRequested) != 0;

    /// <summary>The close status the server chose, once it closed.</summary>
    public int? CloseStatus => IsClosing ? _closeStatus : null;

    public bool TryWrite(ClientEvent clientEvent)
    {
        ArgumentNullException.ThrowIfNull(clientEvent);
        return !IsClosing && _outbound.Writer.TryWrite(WireMapping.ToFrame(clientEvent));
    }

    public async ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default)
        => !IsClosing && await _outbound.Writer.WaitToWriteAsync(cancellationToken).ConfigureAwait(false) && !IsClosing;

    public void Abort(string reason) => Close(CloseCodes.TryAgainLater, string.IsNullOrEmpty(reason) ? "connection aborted" : reason);

    /// <summary>Queues a frame of the gateway's own (pong, errors); a full queue closes the connection.</summary>
    public void Send(ServerFrame frame)
    {
        if (!_outbound.Writer.TryWrite(frame) && !IsClosing)
        {
            Close(CloseCodes.TryAgainLater, "send queue full");
        }
    }

    /// <summary>Starts closing the connection; the first call wins, later ones are ignored.</summary>
    public void Close(int closeStatus, string reason)
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) != 0)
        {
            return;
        }

        _closeStatus = closeStatus;
        _closeReason = Truncate(reason);
        if (closeStatus != CloseCodes.NormalClosure)
        {
            _logger.Closing(ConnectionId, closeStatus, _closeReason);
            _metrics.ServerClosed(closeStatus);
        }

        _outbound.Writer.TryComplete();
        _closing.Cancel();

        // A client that never answers the close frame (or never reads, so the close frame cannot be sent) is dropped.
        _closeTimer = _time.CreateTimer(static state => ((WebSocket)state!).Abort(), _socket, _options.CloseTimeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Sends queued frames until the connection closes, then sends the close frame.</summary>
    public async Task RunWriterAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(InitialBufferSize);
        try
        {
            while (await _outbound.Reader.WaitToReadAsync(_closing.Token).ConfigureAwait(false))
            {
                while (!_closing.IsCancellationRequested && _outbound.Reader.TryRead(out var frame))
                {
                    buffer.ResetWrittenCount();
                    ProtocolWriter.Write(frame, buffer);
                    await _socket.SendAsync(buffer.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
                    _metrics.FrameSent();
                    if (buffer.Capacity > RetainedBufferSize)
                    {
                        buffer = new ArrayBufferWriter<byte>(InitialBufferSize);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Close() was called: fall through to the close handshake.
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException)
        {
            _logger.TransportEnded(ConnectionId, exception);
            return;
        }

        await SendCloseFrameAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_closeTimer is { } timer)
        {
            await timer.DisposeAsync().ConfigureAwait(false);
        }

        _closing.Dispose();
    }

    private async Task SendCloseFrameAsync()
    {
        if (_socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        try
        {
            await _socket.CloseOutputAsync((WebSocketCloseStatus)_closeStatus, _closeReason, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            _logger.TransportEnded(ConnectionId, exception);
        }
    }

    private static string Truncate(string reason)
    {
        // RFC 6455: the close reason must fit in 123 bytes of UTF-8.
        const int MaxReasonBytes = 123;
        if (System.Text.Encoding.UTF8.GetByteCount(reason) <= MaxReasonBytes)
        {
            return reason;
        }

        var length = Math.Min(reason.Length, MaxReasonBytes);
        while (System.Text.Encoding.UTF8.GetByteCount(reason.AsSpan(0, length)) > MaxReasonBytes || char.IsHighSurrogate(reason[length - 1]))
        {
            length--;
        }

        return reason[..length];
    }
}
