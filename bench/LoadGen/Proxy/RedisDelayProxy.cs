using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace Messaging.LoadGen.Proxy;

/// <summary>
/// A loopback TCP proxy in front of a Redis server that holds every server → client chunk for <see cref="Delay"/>
/// before passing it on (each chunk is due its arrival time plus the delay, so chunks never queue behind each other's
/// delay) and counts the commands clients send. With a delay D, a request that waits on n sequential Redis replies
/// takes about n × D longer: the round trips a send makes before <c>sent</c> and before delivery are measured as
/// latency ÷ D. Commands are counted on the client side of the connection, so a script call counts once.
/// A small HTTP endpoint on <see cref="ControlEndpoint"/> answers <c>GET /stats</c> (JSON counters) and
/// <c>GET /delay?ms=N</c> (sets the delay), for the load generator running in another process.
/// </summary>
internal sealed class RedisDelayProxy : IAsyncDisposable
{
    private readonly IPEndPoint _upstream;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly TcpListener _control = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, long> _byName = new(StringComparer.Ordinal);
    private readonly List<Task> _loops = [];
    private long _delayTicks;
    private long _commands;
    private long _connections;

    public RedisDelayProxy(IPEndPoint upstream, TimeSpan delay)
    {
        _upstream = upstream;
        Delay = delay;
    }

    /// <summary>Where clients connect instead of Redis.</summary>
    public IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Where <c>GET /stats</c> and <c>GET /delay?ms=N</c> are answered.</summary>
    public IPEndPoint ControlEndpoint => (IPEndPoint)_control.LocalEndpoint;

    /// <summary>The hold applied to every server → client chunk from now on.</summary>
    public TimeSpan Delay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set => Interlocked.Exchange(ref _delayTicks, Math.Max(0, value.Ticks));
    }

    /// <summary>Commands clients sent through the proxy so far.</summary>
    public long Commands => Interlocked.Read(ref _commands);

    /// <summary>Of <see cref="Commands"/>, the script and function calls.</summary>
    public long ScriptCalls => _byName.Where(kv => Measurement.RedisServerStats.ScriptCommands.Contains(kv.Key)).Sum(kv => kv.Value);

    public void Start()
    {
        _listener.Start();
        _control.Start();
        _loops.Add(Task.Run(AcceptLoopAsync));
        _loops.Add(Task.Run(ControlLoopAsync));
    }

    /// <summary>The counters as the control endpoint reports them.</summary>
    public string StatsJson() => string.Create(
        CultureInfo.InvariantCulture,
        $"{{\"commands\":{Commands},\"script_calls\":{ScriptCalls},\"connections\":{Interlocked.Read(ref _connections)},\"delay_ms\":{Delay.TotalMilliseconds}}}");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        _control.Stop();
        await Task.WhenAll(_loops).ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        var pairs = new List<Task>();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
                pairs.Add(Task.Run(() => RelayAsync(client)));
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        await Task.WhenAll(pairs).ConfigureAwait(false);
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var accepted = client;
        using var server = new TcpClient(_upstream.AddressFamily) { NoDelay = true };
        client.NoDelay = true;
        Interlocked.Increment(ref _connections);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        try
        {
            await server.ConnectAsync(_upstream, done.Token).ConfigureAwait(false);
            var counter = new RespCommandCounter();
            counter.Command += name =>
            {
                Interlocked.Increment(ref _commands);
                _byName.AddOrUpdate(name, 1, static (_, n) => n + 1);
            };
            var up = PumpAsync(client.GetStream(), server.GetStream(), counter.Feed, delayed: false, done);
            var down = PumpAsync(server.GetStream(), client.GetStream(), null, delayed: true, done);
            await Task.WhenAny(up, down).ConfigureAwait(false);
            await done.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or IOException)
        {
            // Either side went away.
        }
    }

    // Copies one direction until either side closes. The server → client direction holds each chunk until it is due.
    private async Task PumpAsync(NetworkStream from, NetworkStream to, SpanAction? inspect, bool delayed, CancellationTokenSource done)
    {
        var chunks = Channel.CreateUnbounded<(long Due, byte[] Bytes)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var writer = delayed ? WriteDelayedAsync(chunks.Reader, to, done.Token) : Task.CompletedTask;
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, done.Token).ConfigureAwait(false)) > 0)
            {
                inspect?.Invoke(buffer.AsSpan(0, read));
                if (delayed)
                {
                    chunks.Writer.TryWrite((Stopwatch.GetTimestamp() + (Interlocked.Read(ref _delayTicks) * Stopwatch.Frequency / TimeSpan.TicksPerSecond), buffer[..read]));
                }
                else
                {
                    await to.WriteAsync(buffer.AsMemory(0, read), done.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Closed.
        }
        finally
        {
            chunks.Writer.TryComplete();
            await done.CancelAsync().ConfigureAwait(false);
            await writer.ConfigureAwait(false);
        }
    }

    private static async Task WriteDelayedAsync(ChannelReader<(long Due, byte[] Bytes)> chunks, NetworkStream to, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var (due, bytes) in chunks.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }

                await to.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Closed.
        }
    }

    private async Task ControlLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await _control.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
                await AnswerAsync(client.GetStream(), _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    // A minimal HTTP/1.1 exchange: one request line, headers skipped, one JSON answer, connection closed.
    private async Task AnswerAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        try
        {
            using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
            var requestLine = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) ?? string.Empty;
            while (!string.IsNullOrEmpty(await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false)))
            {
                // Headers carry nothing the proxy needs.
            }

            var target = requestLine.Split(' ') is [_, var path, ..] ? path : string.Empty;
            var (status, body) = target switch
            {
                "/stats" => ("200 OK", StatsJson()),
                _ when target.StartsWith("/delay?ms=", StringComparison.Ordinal)
                    && double.TryParse(target["/delay?ms=".Length..], NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0
                    => SetDelay(ms),
                _ => ("404 Not Found", "{\"error\":\"GET /stats or /delay?ms=N\"}"),
            };
            var bytes = Encoding.UTF8.GetBytes(body);
            var head = Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(head, cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The asker went away.
        }
    }

    private (string, string) SetDelay(double ms)
    {
        Delay = TimeSpan.FromMilliseconds(ms);
        return ("200 OK", StatsJson());
    }

    /// <summary>Sees the bytes of a chunk before they are passed on.</summary>
    private delegate void SpanAction(ReadOnlySpan<byte> chunk);
}
