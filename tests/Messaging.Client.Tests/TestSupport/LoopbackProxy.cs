using System.Net;
using System.Net.Sockets;

namespace Messaging.Client.Tests.TestSupport;

/// <summary>
/// A TCP proxy on a free loopback port in front of the test server, standing in for the network: it can cut every
/// connection (the client sees its socket drop) and black-hole the server's replies on open connections (the server
/// still receives and acts on frames, but the client never hears back), which makes lost acknowledgements and silent
/// connections deterministic.
/// </summary>
internal sealed class LoopbackProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private volatile IPEndPoint _target;
    private readonly CancellationTokenSource _stopped = new();
    private readonly List<Link> _links = [];
    private readonly Task _acceptLoop;
    private volatile bool _refuse;

    public LoopbackProxy(Uri target)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _listener.Start();
        var port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        BaseUri = new UriBuilder(target) { Port = port }.Uri;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>The server's base address, reached through the proxy.</summary>
    public Uri BaseUri { get; }

    /// <summary>How many client connections the proxy accepted so far.</summary>
    public int AcceptedCount { get; private set; }

    /// <summary>
    /// From now on, bytes from the server to the client on the connections open now are swallowed (the server still
    /// receives and acts on frames, the client hears nothing); connections made later are not affected.
    /// </summary>
    public void BlackHoleReplies()
    {
        lock (_links)
        {
            foreach (var link in _links)
            {
                link.BlackHoled = true;
            }
        }
    }

    /// <summary>While on, new connections are reset at once (the server is unreachable).</summary>
    public bool RefuseConnections
    {
        get => _refuse;
        set => _refuse = value;
    }

    /// <summary>Sends connections made from now on to another server (a restarted one).</summary>
    public void Retarget(Uri target) => _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);

    /// <summary>Resets every open connection, as a network failure would.</summary>
    public void CutAll()
    {
        Link[] links;
        lock (_links)
        {
            links = [.. _links];
            _links.Clear();
        }

        foreach (var link in links)
        {
            link.Reset();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopped.CancelAsync();
        _listener.Stop();
        CutAll();
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The listener was stopped under the accept loop: that is how it ends.
            _ = ex;
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopped.IsCancellationRequested)
        {
            var client = await _listener.AcceptSocketAsync(_stopped.Token);
            if (_refuse)
            {
                client.LingerState = new LingerOption(true, 0);
                client.Close();
                continue;
            }

            var server = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await server.ConnectAsync(_target, _stopped.Token);
            }
            catch (SocketException)
            {
                // The server is down: the client sees its connection reset, as it would without the proxy.
                server.Dispose();
                client.LingerState = new LingerOption(true, 0);
                client.Close();
                continue;
            }

            client.NoDelay = true;
            var link = new Link(client, server);
            lock (_links)
            {
                _links.Add(link);
                AcceptedCount++;
            }

            _ = PumpAsync(client, server, link, fromServer: false);
            _ = PumpAsync(server, client, link, fromServer: true);
        }
    }

    private async Task PumpAsync(Socket from, Socket to, Link link, bool fromServer)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0)
                {
                    break;
                }

                if (!fromServer || !link.BlackHoled)
                {
                    await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // A reset from either side ends the link; both directions are torn down below.
            _ = ex;
        }

        link.Reset();
    }

    private sealed class Link(Socket client, Socket server)
    {
        private int _reset;

        private volatile bool _blackHoled;

        public bool BlackHoled
        {
            get => _blackHoled;
            set => _blackHoled = value;
        }

        public void Reset()
        {
            if (Interlocked.Exchange(ref _reset, 1) != 0)
            {
                return;
            }

            foreach (var socket in new[] { client, server })
            {
                // Linger 0 sends RST: the peer sees an abrupt failure, not a polite close.
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
        }
    }
}
