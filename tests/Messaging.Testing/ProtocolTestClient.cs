using System.Net.WebSockets;
using System.Text;
using Messaging.Protocol;

namespace Messaging.Testing;

/// <summary>
/// A raw protocol client for tests: a <see cref="ClientWebSocket"/> whose receive loop parses every text frame with
/// <see cref="ProtocolReader"/> and records it, so a test can await the frame it expects (with a timeout) instead of
/// sleeping. It answers the server's close frame, so servers shut down promptly.
/// </summary>
public sealed class ProtocolTestClient : IAsyncDisposable
{
    /// <summary>How long the waits wait unless told otherwise.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly ClientWebSocket _socket;
    private readonly object _gate = new();
    private readonly List<ServerFrame> _frames = [];
    private readonly List<string> _unreadable = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Task _receiveLoop;
    private TaskCompletionSource _changed = NewSignal();
    private bool _closed;

    private ProtocolTestClient(ClientWebSocket socket)
    {
        _socket = socket;
        _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    /// <summary>The close status the server sent, once the connection closed.</summary>
    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    /// <summary>The close reason the server sent, once the connection closed.</summary>
    public string? CloseStatusDescription => _socket.CloseStatusDescription;

    /// <summary>How many frames were received so far (an index for <see cref="WaitForAsync{T}"/>'s <c>fromIndex</c>).</summary>
    public int FrameCount
    {
        get
        {
            lock (_gate)
            {
                return _frames.Count;
            }
        }
    }

    /// <summary>A snapshot of the frames received so far, in order.</summary>
    public IReadOnlyList<ServerFrame> Frames
    {
        get
        {
            lock (_gate)
            {
                return [.. _frames];
            }
        }
    }

    /// <summary>Text frames the client could not parse (a correct server sends none), with the parser's error.</summary>
    public IReadOnlyList<string> UnreadableFrames
    {
        get
        {
            lock (_gate)
            {
                return [.. _unreadable];
            }
        }
    }

    /// <summary>Connects to a protocol WebSocket endpoint.</summary>
    /// <param name="uri">The <c>ws://</c> address.</param>
    /// <param name="configure">Sets headers (Origin, Authorization) or other options before the handshake.</param>
    /// <param name="cancellationToken">Cancels the handshake.</param>
    /// <returns>The connected client.</returns>
    public static async Task<ProtocolTestClient> ConnectAsync(Uri uri, Action<ClientWebSocketOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        var socket = new ClientWebSocket();
        configure?.Invoke(socket.Options);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(DefaultTimeout);
            await socket.ConnectAsync(uri, timeout.Token).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new ProtocolTestClient(socket);
    }

    /// <summary>Sends a frame.</summary>
    /// <param name="frame">The frame.</param>
    /// <returns>A task that completes when sent.</returns>
    public Task SendAsync(ClientFrame frame) => SendRawAsync(ProtocolWriter.ToUtf8Bytes(frame), WebSocketMessageType.Text);

    /// <summary>Sends arbitrary text as one text frame (for malformed-input tests).</summary>
    /// <param name="text">The text.</param>
    /// <returns>A task that completes when sent.</returns>
    public Task SendTextAsync(string text) => SendRawAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);

    /// <summary>Sends arbitrary bytes as one frame of the given type.</summary>
    /// <param name="payload">The payload.</param>
    /// <param name="messageType">Text or binary.</param>
    /// <returns>A task that completes when sent.</returns>
    public async Task SendRawAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType)
    {
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        await _sendLock.WaitAsync(timeout.Token).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(payload, messageType, endOfMessage: true, timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Waits for the first frame of type <typeparamref name="T"/> at or after <paramref name="fromIndex"/> that matches
    /// <paramref name="predicate"/>, including frames that already arrived.
    /// </summary>
    /// <typeparam name="T">The frame type.</typeparam>
    /// <param name="predicate">Selects the frame; any frame of the type when <see langword="null"/>.</param>
    /// <param name="timeout">How long to wait; <see cref="DefaultTimeout"/> when <see langword="null"/>.</param>
    /// <param name="fromIndex">Ignore frames received before this index (see <see cref="FrameCount"/>).</param>
    /// <returns>The frame.</returns>
    /// <exception cref="TimeoutException">No such frame arrived in time (the message lists what did arrive).</exception>
    public async Task<T> WaitForAsync<T>(Func<T, bool>? predicate = null, TimeSpan? timeout = null, int fromIndex = 0)
        where T : ServerFrame
    {
        var limit = timeout ?? DefaultTimeout;
        using var cancellation = new CancellationTokenSource(limit);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                for (var i = fromIndex; i < _frames.Count; i++)
                {
                    if (_frames[i] is T frame && (predicate is null || predicate(frame)))
                    {
                        return frame;
                    }
                }

                if (_closed)
                {
                    throw new InvalidOperationException($"The connection closed ({CloseStatus} {CloseStatusDescription}) before a matching {typeof(T).Name} arrived. {DescribeLocked()}");
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(cancellation.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                lock (_gate)
                {
                    throw new TimeoutException($"No matching {typeof(T).Name} within {limit}. {DescribeLocked()}");
                }
            }
        }
    }

    /// <summary>
    /// Sends <c>ping</c> and waits for its <c>pong</c>. The server handles frames in order, so when this returns every
    /// answer to the frames sent before it has arrived: a barrier for "nothing else happened" assertions.
    /// </summary>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>A task that completes when the pong arrived.</returns>
    public async Task RoundTripAsync(TimeSpan? timeout = null)
    {
        var from = FrameCount;
        await SendAsync(PingFrame.Instance).ConfigureAwait(false);
        await WaitForAsync<PongFrame>(timeout: timeout, fromIndex: from).ConfigureAwait(false);
    }

    /// <summary>Waits until the server closed the connection.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>The close status the server sent (<see langword="null"/> if the connection dropped without one).</returns>
    public async Task<WebSocketCloseStatus?> WaitForCloseAsync(TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        try
        {
            await _receiveLoop.WaitAsync(limit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            lock (_gate)
            {
                throw new TimeoutException($"The server did not close the connection within {limit}. {DescribeLocked()}");
            }
        }

        return _socket.CloseStatus;
    }

    /// <summary>Closes the connection (if still open) and releases it.</summary>
    /// <returns>A task that completes when closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token).ConfigureAwait(false);
                await _receiveLoop.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
            {
                _socket.Abort();
            }
        }

        _stop.Cancel();
        await _receiveLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket.Dispose();
        _stop.Dispose();
        _sendLock.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, _stop.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, string.Empty, _stop.Token).ConfigureAwait(false);
                    }

                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    Record(message.GetBuffer().AsSpan(0, (int)message.Length));
                    message.SetLength(0);
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
        {
            // The connection dropped or the client is being disposed: waiters see the closed state below.
        }
        finally
        {
            TaskCompletionSource signal;
            lock (_gate)
            {
                _closed = true;
                signal = _changed;
            }

            signal.TrySetResult();
        }
    }

    private void Record(ReadOnlySpan<byte> utf8)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            if (ProtocolReader.TryParse(utf8, out ServerFrame? frame, out var error))
            {
                _frames.Add(frame);
            }
            else
            {
                _unreadable.Add($"{error} <- {Encoding.UTF8.GetString(utf8)}");
            }

            signal = _changed;
            _changed = NewSignal();
        }

        signal.TrySetResult();
    }

    private string DescribeLocked() =>
        $"Received {_frames.Count} frame(s): [{string.Join(", ", _frames.Select(f => f.ToString()))}]" +
        (_unreadable.Count > 0 ? $"; unreadable: [{string.Join(", ", _unreadable)}]" : string.Empty);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
