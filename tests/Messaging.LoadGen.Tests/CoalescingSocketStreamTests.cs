using System.Net;
using System.Net.Sockets;
using Messaging.LoadGen.Targets;

namespace Messaging.LoadGen.Tests;

/// <summary>The load generator's client connection: writes coalesced by a send loop, every byte delivered in order.</summary>
public sealed class CoalescingSocketStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Writes_arrive_intact_and_in_order()
    {
        var (client, peer) = await ConnectAsync();
        using var peerSocket = peer;
        await using var stream = new CoalescingSocketStream(client);

        var expected = new List<byte>();
        for (var i = 0; i < 2_000; i++)
        {
            var chunk = Chunk(i, 7 + (i % 55));
            expected.AddRange(chunk);
            await stream.WriteAsync(chunk, Ct);
        }

        Assert.Equal(expected, await ReadAsync(peer, expected.Count));
    }

    [Fact]
    public async Task Writes_made_while_the_socket_cannot_send_complete_at_once_and_go_out_together()
    {
        // Small socket buffers and a peer that does not read yet: the send loop soon waits in a send.
        var (client, peer) = await ConnectAsync(bufferSize: 4_096);
        using var peerSocket = peer;
        await using var stream = new CoalescingSocketStream(client);

        // 900 KB in all, below the 1 MB at which a write would wait for the send loop.
        const int Writes = 9_000;
        var expected = new List<byte>();
        for (var i = 0; i < Writes; i++)
        {
            var chunk = Chunk(i, 100);
            expected.AddRange(chunk);
            var write = stream.WriteAsync(chunk, Ct);
            Assert.True(write.IsCompletedSuccessfully, $"Write {i} waited for the socket.");
            await write;
        }

        Assert.Equal(expected, await ReadAsync(peer, expected.Count));

        // Once a send waits, the writes behind it leave in a few large sends, not one each (what went out before that is
        // at most the socket buffers' worth, whatever sizes the kernel makes of them).
        Assert.InRange(stream.Sends, 1, Writes / 4);
    }

    [Fact]
    public async Task Disposing_sends_what_was_written_and_then_closes_the_connection()
    {
        var (client, peer) = await ConnectAsync();
        using var peerSocket = peer;
        var stream = new CoalescingSocketStream(client);

        await stream.WriteAsync("bye"u8.ToArray(), Ct);
        await stream.DisposeAsync();

        Assert.Equal("bye"u8.ToArray(), await ReadAsync(peer, 3));
        var buffer = new byte[1];
        Assert.Equal(0, await peer.ReceiveAsync(buffer, SocketFlags.None, Ct));
    }

    [Fact]
    public async Task Reads_come_straight_from_the_socket()
    {
        var (client, peer) = await ConnectAsync();
        using var peerSocket = peer;
        await using var stream = new CoalescingSocketStream(client);

        await peer.SendAsync("hello"u8.ToArray(), SocketFlags.None, Ct);
        var buffer = new byte[5];
        await stream.ReadExactlyAsync(buffer, Ct);

        Assert.Equal("hello"u8.ToArray(), buffer);
    }

    private static byte[] Chunk(int index, int length) => Enumerable.Range(0, length).Select(j => (byte)(index + j)).ToArray();

    private static async Task<(Socket Client, Socket Peer)> ConnectAsync(int? bufferSize = null)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (bufferSize is { } size)
        {
            // Set before connecting, so the accepted socket inherits the listener's receive buffer.
            listener.ReceiveBufferSize = size;
            client.SendBufferSize = size;
        }

        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var accepted = listener.AcceptAsync(Ct);
        await client.ConnectAsync(listener.LocalEndPoint!, Ct);
        return (client, await accepted);
    }

    private static async Task<byte[]> ReadAsync(Socket socket, int length)
    {
        var buffer = new byte[length];
        var read = 0;
        while (read < length)
        {
            var count = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, Ct);
            Assert.NotEqual(0, count);
            read += count;
        }

        return buffer;
    }
}
