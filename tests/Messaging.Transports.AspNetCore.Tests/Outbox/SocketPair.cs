using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Messaging.Transports.AspNetCore.Tests.Outbox;

/// <summary>
/// Two ends of one WebSocket over a real loopback TCP connection, the server end wrapped in a
/// <see cref="WebSocketClientConnection"/>. Small socket buffers (when asked) make the server's sends block as soon as
/// the client stops reading.
/// </summary>
internal sealed class SocketPair : IAsyncDisposable
{
    private static readonly IMeterFactory Meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    private SocketPair(WebSocket server, WebSocket client)
    {
        Server = server;
        Client = client;
    }

    public WebSocket Server { get; }

    public WebSocket Client { get; }

    public static async Task<SocketPair> OpenAsync(int? socketBufferBytes = null)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (socketBufferBytes is { } size)
        {
            listener.ReceiveBufferSize = size;
            listener.SendBufferSize = size;
            client.ReceiveBufferSize = size;
            client.SendBufferSize = size;
        }

        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var accepting = listener.AcceptAsync(TestContext.Current.CancellationToken);
        await client.ConnectAsync(listener.LocalEndPoint!, TestContext.Current.CancellationToken);
        var server = await accepting;
        if (socketBufferBytes is { } serverSize)
        {
            server.SendBufferSize = serverSize;
        }

        return new SocketPair(
            WebSocket.CreateFromStream(new NetworkStream(server, ownsSocket: true), new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero }),
            WebSocket.CreateFromStream(new NetworkStream(client, ownsSocket: true), new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero }));
    }

    public WebSocketClientConnection Connect(MessagingGatewayOptions options, TimeProvider? time = null, EncodedMessageCache? cache = null)
        => new(Server, options, time ?? TimeProvider.System, NullLogger.Instance, new GatewayMetrics(Meters), cache ?? new EncodedMessageCache());

    /// <summary>Reads the next text message, or <see langword="null"/> when the server sent its close frame.</summary>
    public async Task<string?> ReadAsync()
    {
        var buffer = new byte[256 * 1024];
        var length = 0;
        while (true)
        {
            var result = await Client.ReceiveAsync(buffer.AsMemory(length), TestContext.Current.CancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            length += result.Count;
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(buffer, 0, length);
            }
        }
    }

    /// <summary>Reads text messages until the close frame.</summary>
    public async Task<List<string>> ReadUntilCloseAsync()
    {
        var frames = new List<string>();
        while (await ReadAsync() is { } frame)
        {
            frames.Add(frame);
        }

        return frames;
    }

    public ValueTask DisposeAsync()
    {
        Server.Dispose();
        Client.Dispose();
        return ValueTask.CompletedTask;
    }
}
