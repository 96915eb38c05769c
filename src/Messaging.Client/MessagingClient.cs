using Messaging.Client.Connection;
using Messaging.Client.Delivery;
using Messaging.Client.Diagnostics;
using Messaging.Client.Events;
using Messaging.Client.Rest;
using Messaging.Client.Typing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Messaging.Client;

/// <summary>
/// A client of the messaging server: one WebSocket connection (re-made automatically with back-off when it drops),
/// an outbox that re-sends unacknowledged messages with their original <c>client_msg_id</c>, incoming messages
/// de-duplicated and released in seq order per conversation (gaps are filled from the server), batched delivery
/// receipts, debounced typing, presence subscriptions and the REST API.
/// </summary>
/// <remarks>
/// <para>
/// Thread-safety: every public member may be called from any thread concurrently. Frames are read by one receive loop
/// and written under one send lock. Events are raised on one background dispatch loop, in order; an exception thrown
/// by a handler is logged and never stops the client. Handlers must not block: while one runs, later events wait.
/// </para>
/// <para>
/// Events are queued without bound between the receive loop and the dispatch loop, and per
/// <see cref="ReadEventsAsync"/> reader, so that a slow consumer never stalls the connection; consume them promptly.
/// </para>
/// </remarks>
public sealed partial class MessagingClient : IAsyncDisposable
{
    private readonly MessagingClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Uri _baseUri;
    private readonly RestClient _rest;
    private readonly Outbox.Outbox _outbox;
    private readonly AckBatcher _acks;
    private readonly TypingDebouncer _typingOut;
    private readonly TypingTracker _typingIn;
    private readonly EventDispatcher _events;
    private readonly CancellationTokenSource _disposing = new();
    private readonly object _stateGate = new();
    private ConnectionState _state;
    private ServerConnection? _connection;
    private Task? _supervisor;
    private long _generation;
    private int _disposed;

    /// <summary>Creates a client. Nothing is connected until <see cref="ConnectAsync"/>; REST calls work at once.</summary>
    /// <param name="options">The configuration; validated here.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public MessagingClient(MessagingClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = options.TimeProvider;
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<MessagingClient>();
        _baseUri = Endpoints.NormaliseBase(options.ServerUri!);
        _rest = new RestClient(_baseUri, options.HttpMessageHandler, options.AccessTokenProvider);
        _outbox = new Outbox.Outbox(options.MaxOutboxMessages);
        _ordering = new OrderingBuffer(options.InitialCursors);
        _events = new EventDispatcher(InvokeHandlers);
        _acks = new AckBatcher(_time, options.AckDelay, options.MaxAckBatchSize, SendDeliveredAckAsync, _logger);
        _typingOut = new TypingDebouncer(_time, options.TypingDebounce, options.TypingIdleTimeout, SendTypingAsync, _logger);
        _typingIn = new TypingTracker(_time, options.TypingExpiry, (conversationId, userId, isTyping) =>
            _events.Publish(new TypingChangedEvent(conversationId, userId, isTyping)));
    }

    /// <summary>A message arrived (once per message, in seq order per conversation).</summary>
    public event EventHandler<MessageReceivedEvent>? MessageReceived;

    /// <summary>A message the user sent reached a higher receipt status.</summary>
    public event EventHandler<MessageStatusChangedEvent>? StatusChanged;

    /// <summary>Another member started or stopped typing.</summary>
    public event EventHandler<TypingChangedEvent>? TypingChanged;

    /// <summary>A subscribed user's presence changed.</summary>
    public event EventHandler<PresenceChangedEvent>? PresenceChanged;

    /// <summary>The connection state changed.</summary>
    public event EventHandler<ConnectionStateChangedEvent>? ConnectionStateChanged;

    /// <summary>The client reconnected and resynchronised after a drop.</summary>
    public event EventHandler<ReconnectedEvent>? Reconnected;

    /// <summary>The server reported an error not tied to a pending send.</summary>
    public event EventHandler<ServerErrorEvent>? ServerError;

    /// <summary>The connection state.</summary>
    public ConnectionState State
    {
        get
        {
            lock (_stateGate)
            {
                return _state;
            }
        }
    }

    /// <summary>The device id this client connects as.</summary>
    public string DeviceId => _options.DeviceId;

    /// <summary>The number of sent messages the server has not acknowledged yet.</summary>
    public int PendingMessageCount => _outbox.Count;

    /// <summary>
    /// Opens the connection. Resolves when the server accepted the WebSocket; catch-up messages follow as events.
    /// Later drops are repaired automatically (see <see cref="MessagingClientOptions.Reconnect"/>).
    /// </summary>
    /// <param name="cancellationToken">Cancels the first connection attempt.</param>
    /// <returns>Completes when connected.</returns>
    /// <exception cref="MessagingClientException">
    /// The server could not be reached (<see cref="ClientErrorCodes.ConnectionFailed"/>) or refused the handshake
    /// (<c>unauthorized</c> or <c>forbidden</c>, with <see cref="MessagingClientException.StatusCode"/>); the call may be retried.
    /// </exception>
    /// <exception cref="InvalidOperationException">The client is already connected or connecting.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        lock (_stateGate)
        {
            if (_state != ConnectionState.Disconnected || _supervisor is { IsCompleted: false })
            {
                throw new InvalidOperationException("The client is already connected or connecting.");
            }

            SetStateLocked(ConnectionState.Connecting, error: null);
        }

        ServerConnection connection;
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
            connection = await OpenConnectionAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            SetState(ConnectionState.Disconnected, ex);
            throw;
        }

        bool disposed;
        lock (_stateGate)
        {
            // Checked under the lock DisposeAsync reads _supervisor with, so a connection is never left behind.
            disposed = _disposing.IsCancellationRequested;
            if (!disposed)
            {
                Activate(connection);
                _supervisor = Task.Run(() => SuperviseAsync(connection));
            }
        }

        if (disposed)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new ObjectDisposedException(nameof(MessagingClient));
        }

        await ResynchronizeAsync(connection, attempts: 0, _disposing.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// The client's events from now on, in order, until the client is disposed or <paramref name="cancellationToken"/>
    /// is cancelled. Each call gets every event; register before <see cref="ConnectAsync"/> to see catch-up. The
    /// registration happens on this call: enumerate the result promptly, its queue is unbounded.
    /// </summary>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    /// <returns>The events.</returns>
    public IAsyncEnumerable<MessagingClientEvent> ReadEventsAsync(CancellationToken cancellationToken = default) =>
        _events.Subscribe(cancellationToken);

    /// <summary>
    /// The highest contiguous seq received per conversation. Persist it and pass it back through
    /// <see cref="MessagingClientOptions.InitialCursors"/> to resume without repeats after a restart.
    /// </summary>
    /// <returns>A snapshot of the cursors.</returns>
    public IReadOnlyDictionary<string, long> GetCursors()
    {
        lock (_orderingGate)
        {
            return _ordering.SnapshotCursors();
        }
    }

    /// <summary>
    /// Closes the connection, stops reconnecting, fails pending sends with <see cref="ObjectDisposedException"/> and
    /// ends every <see cref="ReadEventsAsync"/> enumeration. Queued delivery receipts are flushed first.
    /// </summary>
    /// <returns>Completes when everything has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Receipts queued for messages already shown must not be lost with the connection.
        if (Volatile.Read(ref _connection) is not null)
        {
            await _acks.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }

        await _disposing.CancelAsync().ConfigureAwait(false);
        Task? supervisor;
        lock (_stateGate)
        {
            supervisor = _supervisor;
        }

        // The supervisor closes the connection it watches when it sees the cancellation.
        if (supervisor is not null)
        {
            await supervisor.ConfigureAwait(false);
        }

        _outbox.FailAll(new ObjectDisposedException(nameof(MessagingClient)));
        _typingOut.Dispose();
        _typingIn.Dispose();
        _acks.Dispose();
        SetState(ConnectionState.Disconnected, error: null);
        await _events.CompleteAsync().ConfigureAwait(false);
        _rest.Dispose();
    }

    private void SetState(ConnectionState state, Exception? error)
    {
        lock (_stateGate)
        {
            SetStateLocked(state, error);
        }
    }

    private void SetStateLocked(ConnectionState state, Exception? error)
    {
        var previous = _state;
        if (previous == state)
        {
            return;
        }

        _state = state;
        _logger.StateChanged(previous, state);
        _events.Publish(new ConnectionStateChangedEvent(previous, state, error));
    }

    private void InvokeHandlers(MessagingClientEvent clientEvent)
    {
        switch (clientEvent)
        {
            case MessageReceivedEvent e:
                Invoke(MessageReceived, e);
                break;
            case MessageStatusChangedEvent e:
                Invoke(StatusChanged, e);
                break;
            case TypingChangedEvent e:
                Invoke(TypingChanged, e);
                break;
            case PresenceChangedEvent e:
                Invoke(PresenceChanged, e);
                break;
            case ConnectionStateChangedEvent e:
                Invoke(ConnectionStateChanged, e);
                break;
            case ReconnectedEvent e:
                Invoke(Reconnected, e);
                break;
            case ServerErrorEvent e:
                Invoke(ServerError, e);
                break;
        }
    }

    private void Invoke<TEvent>(EventHandler<TEvent>? handlers, TEvent clientEvent)
        where TEvent : MessagingClientEvent
    {
        if (handlers is null)
        {
            return;
        }

        // One failing handler must neither stop the others nor the dispatch loop.
        foreach (var handler in handlers.GetInvocationList())
        {
            try
            {
                ((EventHandler<TEvent>)handler)(this, clientEvent);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _logger.EventHandlerFailed(typeof(TEvent).Name, ex);
            }
        }
    }
}
