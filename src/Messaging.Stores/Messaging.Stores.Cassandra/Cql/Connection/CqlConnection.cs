using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using Messaging.Stores.Cassandra.Cql.Protocol;
using Microsoft.Extensions.Logging;

namespace Messaging.Stores.Cassandra.Cql.Connection;

/// <summary>
/// One TCP connection to a node, multiplexing requests by stream id over System.IO.Pipelines. A single read loop cuts
/// frames out of the socket (a frame may span reads) and completes the request waiting on its stream id, in whatever
/// order the answers come. A stream id returns to the free list only when its answer arrives; a request that timed out
/// or was cancelled leaves its id parked until the late answer comes and is dropped, so that answer can never be taken
/// for a later request's. When the socket ends, every waiting request fails with a <see cref="CassandraException"/>
/// of kind <see cref="CassandraErrorKind.ConnectionFailed"/> and <see cref="Closed"/> completes.
/// </summary>
internal sealed partial class CqlConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SemaphoreSlim _freeIds;
    private readonly Stack<short> _idStack;
    private readonly Pending?[] _pending;
    private readonly object _gate = new();
    private readonly TaskCompletionSource<Exception> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _maxParked;
    private Task _readLoop = Task.CompletedTask;
    private int _parked;

    private CqlConnection(CqlEndpoint endpoint, Socket socket, int maxStreams, TimeProvider time, ILogger logger)
    {
        Endpoint = endpoint;
        _socket = socket;
        var stream = new NetworkStream(socket, ownsSocket: true);
        _input = PipeReader.Create(stream);
        _output = PipeWriter.Create(stream);
        _time = time;
        _logger = logger;
        _pending = new Pending?[maxStreams];
        _idStack = new Stack<short>(Enumerable.Range(0, maxStreams).Reverse().Select(i => (short)i));
        // No upper bound: closing releases a permit per id so that requests waiting for one wake up and fail at once.
        _freeIds = new SemaphoreSlim(maxStreams);
        _maxParked = Math.Max(1, maxStreams / 2);
    }

    /// <summary>The STARTUP every connection sends: CQL 3.0.0, no compression, and the client's name.</summary>
    internal static StartupRequest Startup { get; } = new([new("CQL_VERSION", "3.0.0"), new("DRIVER_NAME", "Messaging.Stores.Cassandra"), new("DRIVER_VERSION", "0.1.0")]);

    public CqlEndpoint Endpoint { get; }

    /// <summary>Completes with the reason once the connection is closed (by either side or after a protocol error).</summary>
    public Task<Exception> Closed => _closed.Task;

    public bool IsOpen => !_closed.Task.IsCompleted;

    /// <summary>Opens the socket, starts the read loop and runs the handshake (STARTUP, authentication, USE).</summary>
    public static async Task<CqlConnection> OpenAsync(CqlEndpoint endpoint, CqlConnectionSettings settings, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(settings.ConnectTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        CqlConnection? connection = null;
        try
        {
            await socket.ConnectAsync(endpoint.Host, endpoint.Port, linked.Token).ConfigureAwait(false);
            connection = new CqlConnection(endpoint, socket, settings.MaxRequests, time, logger);
            connection._readLoop = connection.ReadLoopAsync();
            await connection.HandshakeAsync(settings, linked.Token).ConfigureAwait(false);
            return connection;
        }
        catch (Exception exception)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }

            if (exception is CassandraException { Kind: not CassandraErrorKind.ConnectionFailed and not CassandraErrorKind.RequestTimeout } cassandra)
            {
                throw cassandra;
            }

            if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            var reason = timeout.IsCancellationRequested ? $"timed out after {settings.ConnectTimeout}" : exception.Message;
            throw new CassandraException(CassandraErrorKind.ConnectionFailed, $"Could not open a CQL connection to {endpoint}: {reason}", innerException: exception) { RequestSent = false };
        }
    }

    /// <summary>
    /// Sends one request and waits for its answer. Throws <see cref="CassandraException"/> of kind
    /// <see cref="CassandraErrorKind.RequestTimeout"/> when no answer came within <paramref name="timeout"/>, and of
    /// kind <see cref="CassandraErrorKind.ConnectionFailed"/> when the connection ended first.
    /// </summary>
    public async Task<CqlResponse> SendAsync(CqlRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeoutSource.Token, cancellationToken);
        var sent = false;
        short id;
        try
        {
            await _freeIds.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new CassandraException(CassandraErrorKind.RequestTimeout, $"No stream id became free on {Endpoint} within {timeout}.") { RequestSent = false };
        }

        var pending = new Pending();
        lock (_gate)
        {
            if (!IsOpen)
            {
                _freeIds.Release();
                throw ClosedException(sent: false);
            }

            id = _idStack.Pop();
            _pending[id] = pending;
        }

        try
        {
            var frame = CqlFraming.Request(id, request);
            await _writeLock.WaitAsync(linked.Token).ConfigureAwait(false);
            try
            {
                // Not cancellable once started: a frame cut off half-way would corrupt every later frame on the socket.
                sent = true;
                await _output.WriteAsync(frame, CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }

            return await pending.Answer.Task.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            Park(id, pending);
            if (timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new CassandraException(CassandraErrorKind.RequestTimeout, $"No answer from {Endpoint} within {timeout}.") { RequestSent = sent };
            }

            throw;
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            Close(exception);
            throw ClosedException(sent);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Close(new ObjectDisposedException(nameof(CqlConnection), "The connection was closed by the client."));
        try
        {
            await _readLoop.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            LogReadLoopEnded(_logger, Endpoint.ToString(), exception.Message);
        }
    }

    private async Task HandshakeAsync(CqlConnectionSettings settings, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(Startup, settings.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        if (answer is AuthenticateResponse authenticate)
        {
            if (settings.Username is null || settings.Password is null)
            {
                throw new CassandraException(CassandraErrorKind.BadCredentials, $"{Endpoint} asks for authentication ({authenticate.Authenticator}) but no Username and Password are configured.");
            }

            answer = await SendAsync(new AuthResponseRequest(PlainToken(settings.Username, settings.Password)), settings.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            if (answer is AuthChallengeResponse)
            {
                throw new CassandraException(CassandraErrorKind.BadCredentials, $"{Endpoint} sent a SASL challenge after PLAIN credentials; only PasswordAuthenticator is supported.");
            }

            Expect<AuthSuccessResponse>(answer, "AUTH_RESPONSE");
        }
        else
        {
            Expect<ReadyResponse>(answer, "STARTUP");
        }

        if (settings.Keyspace is { } keyspace)
        {
            var use = new QueryRequest($"USE \"{keyspace}\"", new CqlQueryParameters(CassandraConsistency.One, []));
            Expect<SetKeyspaceResult>(await SendAsync(use, settings.ConnectTimeout, cancellationToken).ConfigureAwait(false), "USE");
        }
    }

    /// <summary>SASL PLAIN: an empty authorization id, the user and the password, separated by NUL bytes.</summary>
    internal static byte[] PlainToken(string username, string password) => Encoding.UTF8.GetBytes($"\0{username}\0{password}");

    private void Expect<T>(CqlResponse answer, string request)
    {
        if (answer is T)
        {
            return;
        }

        if (answer is ErrorResponse error)
        {
            throw CqlErrors.ToException(error);
        }

        throw new CassandraException(CassandraErrorKind.ProtocolError, $"{Endpoint} answered {request} with {answer.Opcode}.");
    }

    private async Task ReadLoopAsync()
    {
        Exception reason = new IOException($"The CQL connection to {Endpoint} was closed by the server.");
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                while (CqlFraming.TryRead(ref buffer, out var frame))
                {
                    Dispatch(frame!);
                }

                _input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception exception)
        {
            reason = exception;
        }
        finally
        {
            Close(reason);
            await _input.CompleteAsync().ConfigureAwait(false);
        }
    }

    private void Dispatch(CqlFrame frame)
    {
        if (frame.Header.Stream < 0)
        {
            // Events (stream -1) are not registered for; one that arrives anyway is dropped.
            LogEventIgnored(_logger, Endpoint.ToString(), frame.Header.Opcode.ToString());
            return;
        }

        Pending? pending;
        lock (_gate)
        {
            pending = frame.Header.Stream < _pending.Length ? _pending[frame.Header.Stream] : null;
            if (pending is null)
            {
                LogUnknownStream(_logger, Endpoint.ToString(), frame.Header.Stream);
                return;
            }

            _pending[frame.Header.Stream] = null;
            _idStack.Push(frame.Header.Stream);
            if (pending.Parked)
            {
                _parked--;
            }
        }

        _freeIds.Release();
        if (pending.Parked)
        {
            return;
        }

        // A body this client cannot read fails its request, not the connection: the framing is intact.
        try
        {
            pending.Answer.TrySetResult(CqlResponse.Read(frame.Header, frame.Body));
        }
        catch (InvalidDataException exception)
        {
            pending.Answer.TrySetException(new CassandraException(CassandraErrorKind.ProtocolError, $"{Endpoint} sent an unreadable {frame.Header.Opcode}: {exception.Message}", innerException: exception));
        }
    }

    private void Park(short id, Pending pending)
    {
        bool tooMany;
        lock (_gate)
        {
            if (_pending[id] != pending)
            {
                // The answer arrived meanwhile and the id is already free.
                return;
            }

            pending.Parked = true;
            _parked++;
            tooMany = _parked > _maxParked;
        }

        if (tooMany)
        {
            // So many unanswered requests mean the node is not answering this connection at all.
            Close(new TimeoutException($"Over {_maxParked} requests to {Endpoint} timed out without an answer."));
        }
    }

    private void Close(Exception reason)
    {
        List<Pending> waiting;
        lock (_gate)
        {
            if (!_closed.TrySetResult(reason))
            {
                return;
            }

            waiting = [.. _pending.OfType<Pending>().Where(p => !p.Parked)];
        }

        LogClosed(_logger, Endpoint.ToString(), reason.Message);
        _freeIds.Release(_pending.Length);
        foreach (var pending in waiting)
        {
            pending.Answer.TrySetException(ClosedException(sent: true));
        }

        _input.CancelPendingRead();
        _output.Complete();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            // Already closed by the peer.
        }

        _socket.Dispose();
    }

    private CassandraException ClosedException(bool sent) =>
        new(CassandraErrorKind.ConnectionFailed, $"The CQL connection to {Endpoint} closed before the answer came: {(_closed.Task.IsCompleted ? _closed.Task.Result.Message : "closed")}", innerException: _closed.Task.IsCompleted ? _closed.Task.Result : null)
        {
            RequestSent = sent,
        };

    [LoggerMessage(EventId = 1701, Level = LogLevel.Debug, Message = "CQL connection to {Endpoint} closed: {Reason}")]
    private static partial void LogClosed(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 1702, Level = LogLevel.Debug, Message = "CQL {Endpoint} sent an {Opcode} event frame; events are not registered for and it was dropped")]
    private static partial void LogEventIgnored(ILogger logger, string endpoint, string opcode);

    [LoggerMessage(EventId = 1703, Level = LogLevel.Warning, Message = "CQL {Endpoint} answered stream {Stream}, which has no request waiting; the frame was dropped")]
    private static partial void LogUnknownStream(ILogger logger, string endpoint, short stream);

    [LoggerMessage(EventId = 1704, Level = LogLevel.Debug, Message = "CQL read loop for {Endpoint} ended: {Reason}")]
    private static partial void LogReadLoopEnded(ILogger logger, string endpoint, string reason);

    private sealed class Pending
    {
        public TaskCompletionSource<CqlResponse> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The caller gave up (timeout or cancellation); the answer, when it comes, only frees the id.</summary>
        public bool Parked { get; set; }
    }
}

/// <summary>What a connection needs from the options.</summary>
internal sealed record CqlConnectionSettings(TimeSpan ConnectTimeout, int MaxRequests, string? Username, string? Password, string? Keyspace)
{
    public static CqlConnectionSettings From(CassandraOptions options) =>
        new(options.ConnectTimeout, options.MaxRequestsPerConnection, options.Username, options.Password, options.Keyspace);
}
