using System.Net.WebSockets;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Messaging.LoadGen.Targets;

/// <summary>bench/Baselines/SignalRChat through <c>Microsoft.AspNetCore.SignalR.Client</c> (JSON hub protocol, WebSockets only).</summary>
internal sealed class SignalRTarget(Uri server, LoopbackSockets sockets) : NamedRoutesTarget(server)
{
    public override async Task<IChatConnection> ConnectAsync(string user, IDeliverySink sink, int sourceIndex = 0, CancellationToken cancellationToken = default)
    {
        var invoker = sockets.Invoker(sourceIndex);
        var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(Server, "hub?user=" + Uri.EscapeDataString(user)), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                o.WebSocketFactory = async (context, ct) =>
                {
                    var socket = new ClientWebSocket();
                    try
                    {
                        await socket.ConnectAsync(context.Uri, invoker, ct).ConfigureAwait(false);
                        return socket;
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                };
            })
            .Build();
        hub.On<string?, string>("message", (_, payload) => sink.OnMessage(payload));
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            await hub.StartAsync(timeout.Token).ConfigureAwait(false);
        }
        catch
        {
            await hub.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new Connection(hub);
    }

    private sealed class Connection(HubConnection hub) : IChatConnection
    {
        public bool IsOpen => hub.State == HubConnectionState.Connected;

        public ValueTask SendAsync(string route, bool group, string payload, CancellationToken cancellationToken = default, long? sendKey = null) =>
            new(hub.SendAsync(group ? "SendGroup" : "SendDirect", route, payload, cancellationToken));

        public Task JoinAsync(string groupRoute, CancellationToken cancellationToken = default) =>
            hub.InvokeAsync("JoinGroup", groupRoute, cancellationToken);

        // SignalR's client pings the server on its own (every 15 seconds by default).
        public ValueTask PingAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask SubscribePresenceAsync(IReadOnlyList<string> userIds, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("The SignalR baseline has no presence.");

        public void Abort() => _ = hub.DisposeAsync();

        public ValueTask DisposeAsync() => hub.DisposeAsync();
    }
}
