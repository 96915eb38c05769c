using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Messaging.Stores.Cassandra;
using Messaging.Stores.Cassandra.Cql;
using Messaging.Stores.Cassandra.Cql.Connection;
using Messaging.Stores.Cassandra.Cql.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace Messaging.Cassandra.Tests;

/// <summary>
/// An in-process CQL peer on a loopback socket that speaks the protocol v4 framing and answers the handshake (STARTUP,
/// PasswordAuthenticator when credentials are set, OPTIONS, USE) and the session's question for its ring tokens
/// (<see cref="RingTokens"/>) by itself; every other request is handed to the test
/// through <see cref="Requests"/> to be answered (or not) as the scenario needs. It is a protocol test double, never a
/// stand-in for Cassandra's storage.
/// </summary>
internal sealed class ScriptedCqlPeer : IAsyncDisposable
{
    public const string Authenticator = "org.apache.cassandra.auth.PasswordAuthenticator";

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<PeerConnection> _connections = [];
    private readonly Task _accepting;

    private ScriptedCqlPeer(TcpListener listener, string? username, string? password)
    {
        _listener = listener;
        Username = username;
        Password = password;
        _accepting = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string ContactPoint => $"127.0.0.1:{Port}";

    public string? Username { get; }

    public string? Password { get; }

    /// <summary>Requests after the handshake, in arrival order.</summary>
    public Channel<PeerRequest> Requests { get; } = Channel.CreateUnbounded<PeerRequest>();

    /// <summary>Every AUTH_RESPONSE token received.</summary>
    public List<byte[]?> Tokens { get; } = [];

    /// <summary>Connections that finished the handshake.</summary>
    public int ReadyConnections;

    /// <summary>When set, new connections are closed as soon as they are accepted (a node that is down).</summary>
    public volatile bool Refuse;

    /// <summary>
    /// The tokens the peer reports for itself in <c>system.local</c>, with <see cref="Partitioner"/>; when null (the
    /// default) it answers with no row, as a node that cannot tell, so sessions route round-robin.
    /// </summary>
    public string[]? RingTokens { get; set; }

    /// <summary>The partitioner the peer reports with its tokens; when null, its answer has no partitioner column.</summary>
    public string? Partitioner { get; set; } = "org.apache.cassandra.dht.Murmur3Partitioner";

    /// <summary>How many times a session asked the peer for its tokens.</summary>
    public int RingQueries;

    /// <summary>Connects a session whose contact points are the peers, with the options the test sets.</summary>
    /// <param name="peers">The peers, in contact point order.</param>
    /// <param name="configure">Sets the options beyond the contact points.</param>
    /// <param name="time">The session's clock; the system's when omitted.</param>
    /// <returns>The connected session.</returns>
    public static Task<CqlSession> ConnectAsync(IEnumerable<ScriptedCqlPeer> peers, Action<CassandraOptions> configure, TimeProvider? time = null)
    {
        var options = new CassandraOptions();
        foreach (var peer in peers)
        {
            options.ContactPoints.Add(peer.ContactPoint);
        }

        configure(options);
        return CqlSession.ConnectAsync(options, time ?? TimeProvider.System, NullLogger.Instance, TestContext.Current.CancellationToken);
    }

    public static ScriptedCqlPeer Start(string? username = null, string? password = null)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new ScriptedCqlPeer(listener, username, password);
    }

    public async Task<PeerRequest> NextAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        return await Requests.Reader.ReadAsync(cancel.Token);
    }

    /// <summary>Closes every open connection abruptly, as a crashing node would.</summary>
    public void DropConnections()
    {
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Abort();
            }

            _connections.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        DropConnections();
        try
        {
            await _accepting;
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_stopping.Token);
            if (Refuse)
            {
                socket.Close(0);
                continue;
            }

            var connection = new PeerConnection(socket);
            lock (_connections)
            {
                _connections.Add(connection);
            }

            _ = ServeAsync(connection);
        }
    }

    private RowsResult LocalTokens()
    {
        var tokensColumn = new CqlColumn("system", "local", "tokens", CqlType.Set(CqlType.Varchar));
        if (Partitioner is null)
        {
            return new RowsResult(new CqlRowsMetadata(1, [tokensColumn]), RingTokens is { } only ? [[CqlValueCodec.Encode(tokensColumn.Type, only)]] : []);
        }

        var columns = new CqlRowsMetadata(2, [new CqlColumn("system", "local", "partitioner", CqlType.Varchar), tokensColumn]);
        return RingTokens is { } tokens
            ? new RowsResult(columns, [[CqlValueCodec.Encode(CqlType.Varchar, Partitioner), CqlValueCodec.Encode(tokensColumn.Type, tokens)]])
            : new RowsResult(columns, []);
    }

    private async Task ServeAsync(PeerConnection connection)
    {
        try
        {
            await foreach (var frame in connection.ReadFramesAsync(_stopping.Token))
            {
                var request = CqlRequest.Read(frame.Header.Opcode, frame.Body);
                var stream = frame.Header.Stream;
                switch (request)
                {
                    case StartupRequest when Username is not null:
                        await connection.ReplyAsync(stream, new AuthenticateResponse(Authenticator));
                        break;
                    case StartupRequest:
                        Interlocked.Increment(ref ReadyConnections);
                        await connection.ReplyAsync(stream, new ReadyResponse());
                        break;
                    case AuthResponseRequest auth:
                        lock (Tokens)
                        {
                            Tokens.Add(auth.Token);
                        }

                        if (auth.Token is { } token && token.AsSpan().SequenceEqual(CqlConnection.PlainToken(Username!, Password!)))
                        {
                            Interlocked.Increment(ref ReadyConnections);
                            await connection.ReplyAsync(stream, new AuthSuccessResponse(null));
                        }
                        else
                        {
                            await connection.ReplyAsync(stream, new ErrorResponse(CqlErrorCodes.BadCredentials, "Provided username and/or password are incorrect"));
                        }

                        break;
                    case OptionsRequest:
                        await connection.ReplyAsync(stream, new SupportedResponse([new("CQL_VERSION", ["3.4.5"]), new("PROTOCOL_VERSIONS", ["4/v4"])]));
                        break;
                    case QueryRequest { Query: CqlSession.LocalTokensQuery }:
                        Interlocked.Increment(ref RingQueries);
                        await connection.ReplyAsync(stream, LocalTokens());
                        break;
                    case QueryRequest { Query: var query } when query.StartsWith("USE ", StringComparison.Ordinal):
                        await connection.ReplyAsync(stream, new SetKeyspaceResult(query[4..].Trim('"')));
                        break;
                    default:
                        await Requests.Writer.WriteAsync(new PeerRequest(connection, stream, request));
                        break;
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection ended.
        }
    }
}

/// <summary>One accepted connection of the peer.</summary>
internal sealed class PeerConnection
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public PeerConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public async IAsyncEnumerable<CqlFrame> ReadFramesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = PipeReader.Create(_stream);
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var frames = new List<CqlFrame>();
            while (CqlFraming.TryRead(ref buffer, out var frame))
            {
                frames.Add(frame!);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            foreach (var frame in frames)
            {
                yield return frame;
            }

            if (result.IsCompleted)
            {
                yield break;
            }
        }
    }

    public Task ReplyAsync(short stream, CqlResponse response) => WriteAsync(CqlFraming.Response(stream, response));

    /// <summary>Writes bytes as they are, in pieces of <paramref name="chunk"/> bytes each flushed on its own.</summary>
    public async Task WriteAsync(byte[] bytes, int chunk = int.MaxValue)
    {
        await _writeLock.WaitAsync();
        try
        {
            for (var offset = 0; offset < bytes.Length; offset += chunk)
            {
                await _stream.WriteAsync(bytes.AsMemory(offset, Math.Min(chunk, bytes.Length - offset)));
                await _stream.FlushAsync();
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public void Abort()
    {
        try
        {
            _socket.Close(0);
        }
        catch (ObjectDisposedException)
        {
            // Already closed.
        }
    }
}

/// <summary>A request the peer received, with the stream id to answer on.</summary>
internal sealed record PeerRequest(PeerConnection Connection, short Stream, CqlRequest Request)
{
    public Task ReplyAsync(CqlResponse response) => Connection.ReplyAsync(Stream, response);

    public string Text => Request switch
    {
        QueryRequest query => query.Query,
        PrepareRequest prepare => prepare.Query,
        _ => Request.Opcode.ToString(),
    };
}
