using System.Net.WebSockets;
using System.Threading.Channels;

namespace RawWebSocket;

/// <summary>One WebSocket with a bounded outbound queue drained by one writer loop (the same shape as our gateway).</summary>
internal sealed class RawConnection(WebSocket socket, string user)
{
    private const int QueueCapacity = 8192;

    private readonly Channel<ReadOnlyMemory<byte>> _outbound = Channel.CreateBounded<ReadOnlyMemory<byte>>(
        new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });

    public string User { get; } = user;

    public WebSocket Socket { get; } = socket;

    /// <summary>Queues a frame; a full queue drops it (counted by the load generator as not delivered).</summary>
    public bool TrySend(ReadOnlyMemory<byte> frame) => _outbound.Writer.TryWrite(frame);

    public void Complete() => _outbound.Writer.TryComplete();

    public async Task RunWriterAsync()
    {
        try
        {
            await foreach (var frame in _outbound.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                await Socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (WebSocketException)
        {
            // The peer went away; the read loop ends the connection.
        }
    }
}
