using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Messaging.Protocol;

namespace Messaging.LoadGen.Targets;

/// <summary>
/// Our gateway, spoken as a real client does: protocol v1 frames on <c>/ws</c> (development authentication,
/// <c>access_token</c> query), conversations created over REST, and delivered receipts sent back in batches (one
/// <c>ack</c> up to the highest seq per conversation every 100 ms), so the server also carries receipt traffic.
/// </summary>
internal sealed class OursTarget : IChatTarget
{
    private static readonly TimeSpan AckInterval = TimeSpan.FromMilliseconds(100);

    private readonly Uri _server;
    private readonly LoopbackSockets _sockets;
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<(string, string), Task<string>> _directs = new();
    private readonly ConcurrentQueue<Connection> _pendingAcks = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _ackPump;

    public OursTarget(Uri server, LoopbackSockets sockets, bool acknowledge = true)
    {
        _server = server;
        _sockets = sockets;
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = server, Timeout = TimeSpan.FromSeconds(60) };
        _ackPump = acknowledge ? Task.Run(AckPumpAsync) : Task.CompletedTask;
        Acknowledge = acknowledge;
    }

    private bool Acknowledge { get; }

    public async Task<IChatConnection> ConnectAsync(string user, IDeliverySink sink, int sourceIndex = 0, CancellationToken cancellationToken = default)
    {
        var uri = new UriBuilder(new Uri(_server, "ws"))
        {
            Scheme = "ws",
            Query = $"access_token={Uri.EscapeDataString(user)}&device_id=d1",
        }.Uri;
        var connection = new Connection(this, sink, user);
        connection.Socket = await TextSocket.ConnectAsync(uri, _sockets.Invoker(sourceIndex), connection.OnFrame, cancellationToken).ConfigureAwait(false);
        return connection;
    }

    public Task<string> DirectRouteAsync(string from, string to, CancellationToken cancellationToken = default)
    {
        // One conversation per pair, whichever side asks first.
        var key = string.CompareOrdinal(from, to) < 0 ? (from, to) : (to, from);
        return _directs.GetOrAdd(key, k => CreateAsync(k.Item1, new { type = "direct", user_id = k.Item2 }, cancellationToken));
    }

    public Task<string> CreateGroupAsync(string name, IReadOnlyList<string> members, CancellationToken cancellationToken = default) =>
        CreateAsync(members[0], new { type = "group", name, members = members.Skip(1).ToArray() }, cancellationToken);

    public Task<Measurement.ServerStats?> StatsAsync(bool collect, CancellationToken cancellationToken = default) =>
        Measurement.ServerStats.FetchAsync(_http, collect, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _ackPump.ConfigureAwait(false);
        _stop.Dispose();
        _http.Dispose();
    }

    private async Task<string> CreateAsync(string caller, object body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "conversations") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", caller);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
        return json.RootElement.GetProperty("conversation_id").GetString() ?? throw new InvalidOperationException("No conversation_id.");
    }

    private async Task AckPumpAsync()
    {
        using var timer = new PeriodicTimer(AckInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                var count = _pendingAcks.Count;
                for (var i = 0; i < count && _pendingAcks.TryDequeue(out var connection); i++)
                {
                    await connection.FlushAcksAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }

    private sealed class Connection(OursTarget target, IDeliverySink sink, string userId) : IChatConnection
    {
        private readonly Dictionary<string, long> _unacked = new(StringComparer.Ordinal);
        private long _sent;

        public TextSocket Socket { get; set; } = null!;

        public bool IsOpen => Socket.IsOpen;

        public void OnFrame(ReadOnlySpan<byte> utf8)
        {
            if (!ProtocolReader.TryParse(utf8, out ServerFrame? frame, out _))
            {
                return;
            }

            switch (frame)
            {
                case MessageFrame { Message: var message }:
                    // The server may write a sender's own message to the sending device when it comes from a store
                    // read (a gap fill) rather than live; it is not a delivery to a recipient, so it is not counted.
                    if (!string.Equals(message.SenderId, userId, StringComparison.Ordinal))
                    {
                        sink.OnMessage(message.Content);
                    }

                    if (target.Acknowledge)
                    {
                        Unacked(message.ConversationId, message.Seq);
                    }

                    break;
                case StatusUpdateFrame { Status: DeliveryStatus.Sent }:
                    sink.OnSent();
                    break;
                case PresenceFrame presence:
                    sink.OnPresence(presence.UserId, presence.Status == PresenceState.Online);
                    break;
                case SyncCompleteFrame:
                    sink.OnSyncComplete();
                    break;
                case ErrorFrame error:
                    sink.OnRejected(error.Code, error.ClientMsgId);
                    break;
            }
        }

        // The client_msg_id also carries the send key, so a refusal tells the run which message it lost.
        public ValueTask SendAsync(string route, bool group, string payload, CancellationToken cancellationToken = default, long? sendKey = null) =>
            SendFrameAsync(new SendMessageFrame(route, payload, Scenarios.Payload.SendId(Interlocked.Increment(ref _sent), sendKey)), cancellationToken);

        public Task JoinAsync(string groupRoute, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public ValueTask PingAsync(CancellationToken cancellationToken = default) => SendFrameAsync(PingFrame.Instance, cancellationToken);

        public ValueTask SubscribePresenceAsync(IReadOnlyList<string> userIds, CancellationToken cancellationToken = default) =>
            SendFrameAsync(new PresenceSubscribeFrame(userIds), cancellationToken);

        public void Abort() => Socket.Abort();

        public ValueTask DisposeAsync() => Socket.DisposeAsync();

        public async Task FlushAcksAsync()
        {
            KeyValuePair<string, long>[] acks;
            lock (_unacked)
            {
                acks = [.. _unacked];
                _unacked.Clear();
            }

            foreach (var (conversationId, seq) in acks)
            {
                if (!IsOpen)
                {
                    return;
                }

                try
                {
                    await SendFrameAsync(new AckUpToFrame(conversationId, seq, DeliveryStatus.Delivered), CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is System.Net.WebSockets.WebSocketException or ObjectDisposedException)
                {
                    // The connection closed since its messages arrived; its receipts no longer matter.
                    return;
                }
            }
        }

        private void Unacked(string conversationId, long seq)
        {
            bool first;
            lock (_unacked)
            {
                first = _unacked.Count == 0;
                if (!_unacked.TryGetValue(conversationId, out var known) || known < seq)
                {
                    _unacked[conversationId] = seq;
                }
            }

            if (first)
            {
                target._pendingAcks.Enqueue(this);
            }
        }

        // Written straight into the socket's reusable send buffer, as SignalR's client writes into pooled memory.
        private ValueTask SendFrameAsync(ClientFrame frame, CancellationToken cancellationToken) =>
            Socket.SendAsync(frame, static (f, buffer) => ProtocolWriter.Write(f, buffer), cancellationToken);
    }
}
