using System.Buffers;
using System.Net;
using System.Net.WebSockets;
using Messaging.Client.Diagnostics;
using Messaging.Protocol;
using Microsoft.Extensions.Logging;

namespace Messaging.Client.Connection;

/// <summary>
/// One WebSocket connection to the server: one receive loop that parses frames and hands them to a callback, one send
/// lock that serialises writes, and a keep-alive loop that pings and drops a connection gone silent. Never reconnects
/// itself; <see cref="Completion"/> tells the owner when it is over and why.
/// </summary>
internal sealed class ServerConnection : IAsyncDisposable
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    private readonly WebSocket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ArrayBufferWriter<byte> _sendBuffer = new(1024);
    private readonly CancellationTokenSource _stopped = new();
    private readonly MessagingClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private Task<Exception?> _completion = Task.FromResult<Exception?>(null);
    private long _lastReceivedTicks;

    private ServerConnection(WebSocket socket, long generation, MessagingClientOptions options, ILogger logger)
    {
        _socket = socket;
        Generation = generation;
        _options = options;
        _time = options.TimeProvider;
        _logger = logger;
        _lastReceivedTicks = _time.GetUtcNow().UtcTicks;
    }

    /// <summary>A number unique to this connection among the client's connections, increasing.</summary>
    public long Generation { get; }

    /// <summary>Completes when the connection is over, with the reason (<see langword="null"/> when closed on purpose).</summary>
    public Task<Exception?> Completion => _completion;

    /// <summary>Opens a connection; throws <see cref="MessagingClientException"/> when the server cannot be reached or refuses.</summary>
    /// <param name="options">The client options.</param>
    /// <param name="baseUri">The normalised server base address.</param>
    /// <param name="accessToken">The access token, if any.</param>
    /// <param name="generation">The connection's generation.</param>
    /// <param name="logger">The client's logger.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>The open connection; call <see cref="Start"/> to begin receiving.</returns>
    public static async Task<ServerConnection> OpenAsync(MessagingClientOptions options, Uri baseUri, string? accessToken, long generation, ILogger logger, CancellationToken cancellationToken)
    {
        var socket = options.WebSocketFactory?.Invoke() ?? new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (!string.IsNullOrEmpty(accessToken))
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + accessToken);
        }

        var uri = Endpoints.WebSocket(baseUri, options.DeviceId, accessToken);
        using var timeout = new CancellationTokenSource(options.ConnectTimeout, options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            if (options.HttpMessageHandler is { } handler)
            {
                using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
                await socket.ConnectAsync(uri, invoker, linked.Token).ConfigureAwait(false);
            }
            else
            {
                await socket.ConnectAsync(uri, linked.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            var reason = timeout.IsCancellationRequested ? "timed out" : ex.Message;
            var code = status switch
            {
                HttpStatusCode.Unauthorized => ErrorCodes.Unauthorized,
                HttpStatusCode.Forbidden => ErrorCodes.Forbidden,
                _ => ClientErrorCodes.ConnectionFailed,
            };
            throw new MessagingClientException(
                code,
                $"Could not connect to {Endpoints.WebSocket(baseUri, options.DeviceId, accessToken: null)}: {reason}",
                status == 0 ? null : (HttpStatusCode?)status,
                ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new ServerConnection(socket, generation, options, logger);
    }

    /// <summary>Starts the receive and keep-alive loops.</summary>
    /// <param name="onFrame">Called on the receive loop for each frame, in order; exceptions are logged, not fatal.</param>
    public void Start(Action<ServerFrame> onFrame)
    {
        _completion = Task.Run(() => ReceiveLoopAsync(onFrame));

        // The timer starts now, not whenever a pool thread gets to it, so the keep-alive schedule is exact.
        _ = KeepAliveLoopAsync(new PeriodicTimer(_options.PingInterval, _time));
    }

    /// <summary>Writes one frame. Thread-safe: writes are serialised by the send lock.</summary>
    /// <param name="frame">The frame.</param>
    /// <param name="cancellationToken">Cancels waiting for the lock (never a write in progress, which would break the socket).</param>
    /// <returns><see langword="false"/> when the connection is closed or broke while writing.</returns>
    public async ValueTask<bool> TrySendAsync(ClientFrame frame, CancellationToken cancellationToken)
    {
        try
        {
            await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            return false;
        }

        try
        {
            if (_socket.State != WebSocketState.Open)
            {
                return false;
            }

            _sendBuffer.ResetWrittenCount();
            ProtocolWriter.Write(frame, _sendBuffer);
            try
            {
                await _socket.SendAsync(_sendBuffer.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, _stopped.Token).ConfigureAwait(false);
                return true;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A broken socket fails in many shapes (WebSocket, IO, cancellation, disposal); the receive loop
                // reports the connection's end, the caller only needs to know the frame did not go out.
                _logger.SendFailed(frame.Type, Generation, ex);
                return false;
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Drops the connection at once (keep-alive timeout, tests).</summary>
    public void Abort()
    {
        // Cancel first: the receive loop then knows the socket failure that follows was asked for.
        _stopped.Cancel();
        _socket.Abort();
    }

    /// <summary>Closes the connection politely, waiting briefly for the server's close, then aborts.</summary>
    /// <returns>Completes when the connection is over.</returns>
    public async Task CloseAsync()
    {
        using var timeout = new CancellationTokenSource(CloseTimeout, _time);
        try
        {
            await _sendLock.WaitAsync(timeout.Token).ConfigureAwait(false);
            try
            {
                if (_socket.State == WebSocketState.Open)
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "client closing", timeout.Token).ConfigureAwait(false);
                }
            }
            finally
            {
                _sendLock.Release();
            }

            await _completion.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Closing is best effort: the abort below ends the connection whatever state the socket is in.
            _logger.CloseFailed(Generation, ex);
        }
        finally
        {
            Abort();
        }

        await _completion.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Abort();
        await _completion.ConfigureAwait(false);
        _socket.Dispose();
    }

    private async Task<Exception?> ReceiveLoopAsync(Action<ServerFrame> onFrame)
    {
        var message = new ArrayBufferWriter<byte>(4096);
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(message.GetMemory(4096), _stopped.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    var closed = ClosedByServer();
                    await CloseQuietlyAsync(WebSocketCloseStatus.NormalClosure).ConfigureAwait(false);
                    return closed;
                }

                message.Advance(result.Count);
                if (message.WrittenCount > _options.MaxFrameBytes)
                {
                    await CloseQuietlyAsync(WebSocketCloseStatus.MessageTooBig).ConfigureAwait(false);
                    return new MessagingClientException(ClientErrorCodes.ProtocolError, $"The server sent a frame over {_options.MaxFrameBytes} bytes.");
                }

                if (!result.EndOfMessage)
                {
                    continue;
                }

                Interlocked.Exchange(ref _lastReceivedTicks, _time.GetUtcNow().UtcTicks);
                if (result.MessageType != WebSocketMessageType.Text)
                {
                    _logger.BinaryFrameIgnored(Generation);
                }
                else if (ProtocolReader.TryParse(message.WrittenSpan, out ServerFrame? frame, out var error))
                {
                    Dispatch(onFrame, frame);
                }
                else
                {
                    // Unknown frame types are expected from newer servers: skip, never drop the connection.
                    _logger.FrameIgnored(Generation, error);
                }

                message.ResetWrittenCount();
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Whatever ends the loop (socket errors surface as WebSocket, IO, cancellation or disposal exceptions) is
            // the connection's reason to end, never an exception of Completion: the owner must always get to reconnect.
            return _stopped.IsCancellationRequested ? null : ex;
        }
        finally
        {
            _stopped.Cancel();
        }
    }

    private void Dispatch(Action<ServerFrame> onFrame, ServerFrame frame)
    {
        try
        {
            onFrame(frame);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.FrameHandlerFailed(frame.Type, ex);
        }
    }

    private MessagingClientException ClosedByServer()
    {
        var status = _socket.CloseStatus;
        var description = _socket.CloseStatusDescription;
        return new MessagingClientException(
            ClientErrorCodes.ConnectionFailed,
            $"The server closed the connection ({(int?)status} {description}).");
    }

    private async Task CloseQuietlyAsync(WebSocketCloseStatus status)
    {
        try
        {
            await _sendLock.WaitAsync(_stopped.Token).ConfigureAwait(false);
            try
            {
                if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    await _socket.CloseOutputAsync(status, null, _stopped.Token).ConfigureAwait(false);
                }
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.CloseFailed(Generation, ex);
        }
    }

    private async Task KeepAliveLoopAsync(PeriodicTimer timer)
    {
        using var owned = timer;
        try
        {
            while (await timer.WaitForNextTickAsync(_stopped.Token).ConfigureAwait(false))
            {
                var silent = _time.GetUtcNow() - new DateTimeOffset(Interlocked.Read(ref _lastReceivedTicks), TimeSpan.Zero);
                if (silent > _options.ServerTimeout)
                {
                    _logger.ServerTimedOut(Generation, silent);
                    Abort();
                    return;
                }

                await TrySendAsync(PingFrame.Instance, _stopped.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            _logger.KeepAliveStopped(Generation);
        }
    }
}
