using System.Diagnostics.Metrics;
using System.Net.Sockets;
using System.Net.WebSockets;
using Messaging.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Transports.AspNetCore.Tests;

/// <summary>A live connection that stops reading while messages keep arriving (DESIGN §5 Limits and safety).</summary>
public sealed class WebSocketSlowConsumerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    // RFC 6455 "try again later"; System.Net.WebSockets has no name for it.
    private const WebSocketCloseStatus TryAgainLater = (WebSocketCloseStatus)1013;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_connection_that_never_reads_while_messages_keep_arriving_is_closed_with_1013_by_the_engine()
    {
        // A tiny gateway queue, and a close handshake that waits for the client long enough to be read in the end.
        await using var server = await ChatServer.StartAsync(o => o.ConfigureGateway = g => (g.SendQueueCapacity, g.CloseTimeout) = (4, Timeout), Cancellation);
        var (alice, bob) = (Users.New("alice"), Users.New("bob"));
        var conversation = await Rest.CreateDirectAsync(server, alice, bob);
        using var closedWith1013 = new ServerCloseListener(server.Services.GetRequiredService<IMeterFactory>(), TryAgainLater);

        // Bob's socket receives little into its kernel buffer and is never read while alice sends.
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler { ConnectCallback = ConnectWithSmallReceiveBufferAsync });
        using var slow = new ClientWebSocket();
        await slow.ConnectAsync(server.WebSocketUri(bob, "slow"), invoker, Cancellation);

        var sender = await server.Engine.ConnectAsync(alice, "sender", new AcceptingConnection(), Cancellation);
        await using (sender)
        {
            var content = new string('x', 4_000);
            var sent = 0;
            while (!closedWith1013.Closed.IsCompleted)
            {
                Assert.True(sent < 100_000, "the slow consumer was never closed");
                await sender.SendAsync(new SendMessageRequest(conversation.ConversationId, content, $"m-{sent++}"), Cancellation);
            }
        }

        // The gateway's queue never overflows: the engine paces its writes by the gateway's flow control, so its own
        // bounded delivery queue fills and the engine aborts the connection, which the gateway closes with 1013.
        var (status, description) = await DrainUntilClosedAsync(slow);
        Assert.Equal(TryAgainLater, status);
        Assert.Equal("slow consumer", description);
    }

    private static async ValueTask<Stream> ConnectWithSmallReceiveBufferAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 4096 };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // Reads what the server managed to send, then the close frame.
    private static async Task<(WebSocketCloseStatus? Status, string? Description)> DrainUntilClosedAsync(ClientWebSocket socket)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        timeout.CancelAfter(Timeout);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (result.CloseStatus, result.CloseStatusDescription);
            }
        }
    }

    /// <summary>Completes when this server's gateway closes a connection with the given status (its metrics, not a guess at timing).</summary>
    private sealed class ServerCloseListener : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ServerCloseListener(IMeterFactory scope, WebSocketCloseStatus status)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "messaging.gateway.closes" && ReferenceEquals(instrument.Meter.Scope, scope))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "status" && tag.Value is int code && code == (int)status)
                    {
                        _closed.TrySetResult();
                    }
                }
            });
            _listener.Start();
        }

        public Task Closed => _closed.Task;

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>The sender's own connection: takes every event.</summary>
    private sealed class AcceptingConnection : IClientConnection
    {
        public string ConnectionId { get; } = Guid.NewGuid().ToString("N");

        public bool TryWrite(ClientEvent clientEvent) => true;

        public void Abort(string reason)
        {
        }
    }
}
