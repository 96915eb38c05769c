using System.Net;
using System.Net.Sockets;

namespace Messaging.LoadGen.Targets;

/// <summary>
/// HTTP handlers whose sockets are bound to 127.0.0.1, 127.0.0.2, ...: each source address has its own ephemeral
/// port range, so one load generator can hold more connections to one server port than a single address allows.
/// Every connection writes through a <see cref="CoalescingSocketStream"/>.
/// </summary>
internal sealed class LoopbackSockets : IDisposable
{
    private readonly HttpMessageInvoker[] _invokers;

    public LoopbackSockets(int sources)
    {
        _invokers = new HttpMessageInvoker[Math.Max(1, sources)];
        for (var i = 0; i < _invokers.Length; i++)
        {
            _invokers[i] = new HttpMessageInvoker(CreateHandler(SourceAddress(i)));
        }
    }

    public int Count => _invokers.Length;

    /// <summary>127.0.0.(i+1), then 127.0.1.x and so on: all of 127/8 is loopback on Linux.</summary>
    public static IPAddress SourceAddress(int index) => new([127, 0, (byte)(index / 250), (byte)((index % 250) + 1)]);

    public HttpMessageInvoker Invoker(int index) => _invokers[index % _invokers.Length];

    public void Dispose()
    {
        foreach (var invoker in _invokers)
        {
            invoker.Dispose();
        }
    }

    private static SocketsHttpHandler CreateHandler(IPAddress source) => new()
    {
        UseProxy = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
                return new CoalescingSocketStream(socket);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
