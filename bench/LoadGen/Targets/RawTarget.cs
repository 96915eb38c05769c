using System.Text;

namespace Messaging.LoadGen.Targets;

/// <summary>bench/Baselines/RawWebSocket: <c>D to payload</c>, <c>J group</c> (answered <c>j</c>), <c>G group payload</c>, <c>P</c>.</summary>
internal sealed class RawTarget(Uri server, LoopbackSockets sockets) : NamedRoutesTarget(server)
{
    public override async Task<IChatConnection> ConnectAsync(string user, IDeliverySink sink, int sourceIndex = 0, CancellationToken cancellationToken = default)
    {
        var uri = new UriBuilder(new Uri(Server, "ws")) { Scheme = "ws", Query = "user=" + Uri.EscapeDataString(user) }.Uri;
        var connection = new Connection(sink);
        connection.Socket = await TextSocket.ConnectAsync(uri, sockets.Invoker(sourceIndex), connection.OnFrame, cancellationToken).ConfigureAwait(false);
        return connection;
    }

    private sealed class Connection(IDeliverySink sink) : IChatConnection
    {
        private static readonly byte[] Ping = "P"u8.ToArray();
        private TaskCompletionSource _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TextSocket Socket { get; set; } = null!;

        public bool IsOpen => Socket.IsOpen;

        public void OnFrame(ReadOnlySpan<byte> utf8)
        {
            if (utf8.Length == 1 && utf8[0] == (byte)'p')
            {
                return;
            }

            if (utf8.Length == 1 && utf8[0] == (byte)'j')
            {
                _joined.TrySetResult();
                return;
            }

            sink.OnMessage(Encoding.UTF8.GetString(utf8));
        }

        public ValueTask SendAsync(string route, bool group, string payload, CancellationToken cancellationToken = default, long? sendKey = null) =>
            Socket.SendAsync(Encoding.UTF8.GetBytes((group ? "G " : "D ") + route + " " + payload), cancellationToken);

        public async Task JoinAsync(string groupRoute, CancellationToken cancellationToken = default)
        {
            _joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await Socket.SendAsync(Encoding.UTF8.GetBytes("J " + groupRoute), cancellationToken).ConfigureAwait(false);
            await _joined.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        }

        public ValueTask PingAsync(CancellationToken cancellationToken = default) => Socket.SendAsync(Ping, cancellationToken);

        public ValueTask SubscribePresenceAsync(IReadOnlyList<string> userIds, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("The raw baseline has no presence.");

        public void Abort() => Socket.Abort();

        public ValueTask DisposeAsync() => Socket.DisposeAsync();
    }
}
