using System.Net;
using System.Net.Sockets;

namespace Messaging.Client.Tests.Unit;

internal static class ClosedPort
{
    /// <summary>A loopback address nothing listens on: a port the OS handed out and that was closed again.</summary>
    public static Uri Create()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }
}
