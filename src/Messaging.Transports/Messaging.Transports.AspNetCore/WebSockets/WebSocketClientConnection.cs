using System.Net.WebSockets;
using Messaging.Protocol;
using Microsoft.Extensions.Logging;

namespace Messaging.Transports.AspNetCore;

/// <summary>
/// The engine's view of one WebSocket (<see cref="IClientConnection"/>): an outbox of frames drained by whichever
/// thread finds it idle. <see cref="TryWrite"/> queues a frame and, when no drain is running, serialises and sends it on
/// the calling thread; only a socket write that does not complete at once makes the rest of the drain continue
/// asynchronously, so writes never block the engine and an idle connection costs no task, channel or buffer. Frames
/// go out in the order they were queued, one send at a time. A full outbox makes <see cref="TryWrite"/> fail (the
/// engine then aborts the slow consumer); catch-up waits for room first (<see cref="WaitToWriteAsync"/>), so a
/// backlog larger than the outbox is paced, not aborted. Every close goes through <see cref="Close"/>: pending frames
/// are dropped, the close frame is sent after the send in flight, and the socket is dropped if the client does not
/// finish the handshake within the close timeout.
/// </summary>
internal sealed class WebSocketClientConnection : IFlowControlledClientConnection, IAsyncDisposable
{
    // Frames sent on one producer's thread before the rest of the drain moves to the thread pool, so a producer that
    // happened to start a drain is not kept sending frames other threads keep queueing.
    private const int MaxInlineFrames = 64;
    private const int RetainedQueueLength = 64;

    private readonly WebSocket _socket;
    private readonly MessagingGatewayOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly GatewayMetrics _metrics;
    private readonly EncodedMessageCache _messages;
    private readonly int _capacity;

    // Guarded by _queue: the frames (a Message for message events, a ServerFrame otherwise) and the drain state.
    private readonly Queue<object> _queue = new();
    private int _peakLength;
    private bool _draining;
    private bool _failed;
    private TaskCompletionSource<bool>? _room;
    private TaskCompletionSource? _completed;

    private ITimer? _closeTimer;
    private int _closeRequested;
    private int _closeStatus;
    private string _closeReason = string.Empty;
    private long _lastActivity;

    public WebSocketClientConnection(WebSocket socket, MessagingGatewayOptions options, TimeProvider time, ILogger logger, GatewayMetrics metrics, EncodedMessageCache messages)
    {
        _socket = socket;
        _options = options;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _messages = messages;
        _capacity = options.SendQueueCapacity;
        _lastActivity = time.GetTimestamp();
    }

    public string ConnectionId { get; } = Guid.CreateVersion7().ToString("N");

    /// <summary>Whether a close was requested; frames received from now on are ignored.</summary>
    public bool IsClosing => Volatile.Read(ref _closeRequested) != 0;

    /// <summary>The close status the server chose, once it closed.</summary>
    public int? CloseStatus => IsClosing ? _closeStatus : null;

    /// <summary>The <see cref="TimeProvider.GetTimestamp"/> of the last complete frame received (or of the connect).</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    /// <summary>Frames queued and not yet handed to the socket.</summary>
    public int QueuedFrames
    {
        get
        {
            lock (_queue)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Records that the client sent a frame (the idle sweep closes connections silent for too long).</summary>
    /// <param name="timestamp">When it arrived (<see cref="TimeProvider.GetTimestamp"/> of the gateway's time provider).</param>
    public void MarkActive(long timestamp) => Volatile.Write(ref _lastActivity, timestamp);

    public bool TryWrite(ClientEvent clientEvent)
    {
        ArgumentNullException.ThrowIfNull(clientEvent);

        // A message frame is the same for every recipient: it is serialised (once, see EncodedMessageCache) when sent.
        return TryEnqueue(clientEvent is MessageEvent message ? message.Message : WireMapping.ToFrame(clientEvent));
    }

    public ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default)
    {
        Task<bool> room;
        lock (_queue)
        {
            if (IsClosing)
            {
                return ValueTask.FromResult(false);
            }

            if (_failed || _queue.Count < _capacity)
            {
                return ValueTask.FromResult(true);
            }

            _room ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            room = _room.Task;
        }

        return new ValueTask<bool>(room.WaitAsync(cancellationToken));
    }

    public void Abort(string reason) => Close(CloseCodes.TryAgainLater, string.IsNullOrEmpty(reason) ? "connection aborted" : reason);

    /// <summary>Queues a frame of the gateway's own (pong, errors); a full queue closes the connection.</summary>
    public void Send(ServerFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (!TryEnqueue(frame) && !IsClosing)
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

        TaskCompletionSource<bool>? room;
        TaskCompletionSource completed;
        bool sendCloseFrame;
        bool failed;
        lock (_queue)
        {
            failed = _failed;
            _queue.Clear();
            _queue.TrimExcess();
            completed = _completed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            (room, _room) = (_room, null);

            // A running drain sends the close frame after its send in flight; otherwise it is sent from here.
            sendCloseFrame = !_draining;
            _draining = true;
        }

        room?.TrySetResult(false);
        if (failed)
        {
            completed.TrySetResult();
            return;
        }

        // A client that never answers the close frame (or never reads, so the close frame cannot be sent) is dropped.
        _closeTimer = _time.CreateTimer(static state => ((WebSocket)state!).Abort(), _socket, _options.CloseTimeout, Timeout.InfiniteTimeSpan);

        if (sendCloseFrame)
        {
            _ = FinishAsync();
        }
    }

    /// <summary>
    /// Completes once the connection was closed (<see cref="Close"/>) and nothing is being sent any more: the close
    /// frame went out, or the transport failed.
    /// </summary>
    public Task WhenSendsCompletedAsync()
    {
        lock (_queue)
        {
            _completed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _completed.Task;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_closeTimer is { } timer)
        {
            await timer.DisposeAsync().ConfigureAwait(false);
        }
    }

    private bool TryEnqueue(object frame)
    {
        lock (_queue)
        {
            if (IsClosing)
            {
                return false;
            }

            if (_failed)
            {
                // The socket is gone: nothing can be sent, and the receive loop is ending the session.
                return true;
            }

            if (_queue.Count >= _capacity)
            {
                return false;
            }

            _queue.Enqueue(frame);
            _peakLength = Math.Max(_peakLength, _queue.Count);
            if (_draining)
            {
                return true;
            }

            _draining = true;
        }

        Drain(MaxInlineFrames);
        return true;
    }

    /// <summary>Sends queued frames on the calling thread until the outbox is empty or a send goes asynchronous.</summary>
    private void Drain(int budget)
    {
        while (true)
        {
            if (!TryTakeNext(out var frame))
            {
                return;
            }

            if (budget-- == 0)
            {
                _ = DrainAsync(default, null, frame, yieldFirst: true);
                return;
            }

            FrameBuffer? buffer = null;
            ValueTask send;
            try
            {
                send = Send(frame, out buffer);
            }
            catch (Exception exception)
            {
                Release(buffer);
                Fail(exception);
                return;
            }

            if (!send.IsCompleted)
            {
                _ = DrainAsync(send, buffer, null, yieldFirst: false);
                return;
            }

            try
            {
                send.GetAwaiter().GetResult();
            }
            catch (Exception exception)
            {
                Fail(exception);
                return;
            }
            finally
            {
                Release(buffer);
            }

            _metrics.FrameSent();
        }
    }

    /// <summary>The asynchronous rest of a drain: finishes the pending send (or the frame handed over), then goes on.</summary>
    private async Task DrainAsync(ValueTask pending, FrameBuffer? buffer, object? next, bool yieldFirst)
    {
        try
        {
            if (yieldFirst)
            {
                await Task.Yield();
            }

            await pending.ConfigureAwait(false);
            if (next is null)
            {
                _metrics.FrameSent();
            }

            while (true)
            {
                Release(buffer);
                buffer = null;
                if (next is null && !TryTakeNext(out next))
                {
                    return;
                }

                await Send(next, out buffer).ConfigureAwait(false);
                next = null;
                _metrics.FrameSent();
            }
        }
        catch (Exception exception)
        {
            // A drain never throws into a producer or goes unobserved: the connection just stops sending.
            Release(buffer);
            Fail(exception);
        }
    }

    /// <summary>
    /// Takes the next frame to send, or ends the drain: when the outbox is empty, or when a close was requested, in
    /// which case the close frame is sent now (after the last send completed).
    /// </summary>
    private bool TryTakeNext(out object frame)
    {
        TaskCompletionSource<bool>? room = null;
        bool closing;
        lock (_queue)
        {
            closing = IsClosing;
            if (!closing && _queue.TryDequeue(out frame!))
            {
                // Wake a paced writer once half the outbox is free, not on every frame.
                if (_room is not null && _queue.Count <= _capacity / 2)
                {
                    (room, _room) = (_room, null);
                }
            }
            else
            {
                frame = null!;
                if (!closing)
                {
                    _draining = false;
                    if (_peakLength > RetainedQueueLength)
                    {
                        // Do not keep a burst's array for the connection's life.
                        _queue.TrimExcess();
                        _peakLength = 0;
                    }
                }
            }
        }

        room?.TrySetResult(true);
        if (frame is not null)
        {
            return true;
        }

        if (closing)
        {
            _ = FinishAsync();
        }

        return false;
    }

    private ValueTask Send(object frame, out FrameBuffer? buffer)
    {
        buffer = null;
        ReadOnlyMemory<byte> payload;
        if (frame is Message message && _messages.TryGet(message) is { } encoded)
        {
            payload = encoded;
        }
        else
        {
            buffer = FrameBuffer.Rent();
            if (frame is Message uncached)
            {
                EncodedMessageCache.Write(uncached, buffer);
            }
            else
            {
                ProtocolWriter.Write((ServerFrame)frame, buffer);
            }

            payload = buffer.WrittenMemory;
        }

        return _socket.SendAsync(payload, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
    }

    private static void Release(FrameBuffer? buffer)
    {
        if (buffer is not null)
        {
            FrameBuffer.Return(buffer);
        }
    }

    /// <summary>
    /// A send failed: nothing more is sent (not even a close frame), waiters are released, and the socket is aborted so
    /// the receive loop ends the session too.
    /// </summary>
    private void Fail(Exception exception)
    {
        _logger.TransportEnded(ConnectionId, exception);
        _socket.Abort();
        TaskCompletionSource<bool>? room;
        TaskCompletionSource? completed;
        lock (_queue)
        {
            _failed = true;
            _queue.Clear();
            _queue.TrimExcess();
            (room, _room) = (_room, null);
            completed = IsClosing ? _completed : null;

            // Stays set: a later Close must not start a close frame on a failed socket, but must complete.
            _draining = true;
        }

        room?.TrySetResult(!IsClosing);
        completed?.TrySetResult();
    }

    private async Task FinishAsync()
    {
        TaskCompletionSource completed;
        bool failed;
        lock (_queue)
        {
            completed = _completed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            failed = _failed;
        }

        if (!failed)
        {
            await SendCloseFrameAsync().ConfigureAwait(false);
        }

        completed.TrySetResult();
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
