using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using Messaging.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace Messaging.Transports.AspNetCore.Tests.Outbox;

/// <summary>The per-connection outbox of <see cref="WebSocketClientConnection"/> over a real loopback WebSocket.</summary>
public sealed class WebSocketOutboxTests
{
    private const int LargeFrameChars = 64 * 1024;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Frames_from_concurrent_producers_all_arrive_in_each_producers_order()
    {
        const int Producers = 4;
        const int PerProducer = 2_000;
        await using var pair = await SocketPair.OpenAsync();
        await using var connection = pair.Connect(new MessagingGatewayOptions { SendQueueCapacity = Producers * PerProducer });
        var reading = Task.Run(async () =>
        {
            var frames = new List<string>();
            for (var i = 0; i < Producers * PerProducer; i++)
            {
                frames.Add((await pair.ReadAsync())!);
            }

            return frames;
        }, Cancellation);

        await Task.WhenAll(Enumerable.Range(0, Producers).Select(p => Task.Run(() =>
        {
            for (var i = 0; i < PerProducer; i++)
            {
                Assert.True(connection.TryWrite(new TypingEvent($"p{p}", i.ToString(CultureInfo.InvariantCulture), true)));
            }
        }, Cancellation)));

        var received = (await reading).Select(Parse).ToList();
        for (var p = 0; p < Producers; p++)
        {
            var producer = $"p{p}";
            var sequence = received.Where(f => f.Conversation == producer).Select(f => int.Parse(f.User, CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(Enumerable.Range(0, PerProducer), sequence);
        }
    }

    [Fact]
    public async Task Message_frames_are_the_protocol_encoding_on_every_connection_sharing_the_cache()
    {
        var cache = new EncodedMessageCache();
        await using var first = await SocketPair.OpenAsync();
        await using var second = await SocketPair.OpenAsync();
        await using var a = first.Connect(new MessagingGatewayOptions(), cache: cache);
        await using var b = second.Connect(new MessagingGatewayOptions(), cache: cache);
        var messages = new[] { EncodedMessageCacheTests.NewMessage(1, "héllo \"world\""), EncodedMessageCacheTests.NewMessage(2, "second") };

        foreach (var message in messages)
        {
            Assert.True(a.TryWrite(new MessageEvent(message)));
            Assert.True(b.TryWrite(new MessageEvent(message)));
        }

        foreach (var pair in new[] { first, second })
        {
            foreach (var message in messages)
            {
                Assert.Equal(EncodedMessageCacheTests.Expected(message), await pair.ReadAsync());
            }
        }
    }

    [Fact]
    public async Task A_full_outbox_refuses_writes_and_a_paced_writer_gets_room_when_the_client_reads()
    {
        await using var pair = await SocketPair.OpenAsync(socketBufferBytes: 4096);
        await using var connection = pair.Connect(new MessagingGatewayOptions { SendQueueCapacity = 4 });
        var accepted = Fill(connection);

        Assert.Equal(4, connection.QueuedFrames);
        var waiting = connection.WaitToWriteAsync(Cancellation);
        Assert.False(waiting.IsCompleted);

        var reading = Task.Run(async () =>
        {
            var frames = new List<string>();
            for (var i = 0; i <= accepted; i++)
            {
                frames.Add((await pair.ReadAsync())!);
            }

            return frames;
        }, Cancellation);
        Assert.True(await waiting);
        Assert.True(connection.TryWrite(new TypingEvent("after", "u", true)));

        var frames = await reading;
        Assert.All(frames.Take(accepted), f => Assert.Equal(LargeFrameChars, Parse(f).Conversation.Length));
        Assert.Equal("after", Parse(frames[^1]).Conversation);
    }

    [Fact]
    public async Task Close_during_a_drain_drops_queued_frames_and_sends_the_close_frame_after_the_send_in_flight()
    {
        await using var pair = await SocketPair.OpenAsync(socketBufferBytes: 4096);
        await using var connection = pair.Connect(new MessagingGatewayOptions { SendQueueCapacity = 4 });
        var accepted = Fill(connection);
        var waiting = connection.WaitToWriteAsync(Cancellation);

        connection.Close(CloseCodes.TryAgainLater, "test close");

        Assert.False(await waiting);
        Assert.False(connection.TryWrite(new TypingEvent("late", "u", true)));
        Assert.False(await connection.WaitToWriteAsync(Cancellation));
        var frames = await pair.ReadUntilCloseAsync();
        Assert.Equal(accepted - 4, frames.Count);
        Assert.All(frames, f => Assert.Equal(LargeFrameChars, Parse(f).Conversation.Length));
        Assert.Equal(CloseCodes.TryAgainLater, (int?)pair.Client.CloseStatus);
        Assert.Equal("test close", pair.Client.CloseStatusDescription);
        await connection.WhenSendsCompletedAsync().WaitAsync(TimeSpan.FromSeconds(10), Cancellation);
    }

    [Fact]
    public async Task The_first_close_wins_and_an_idle_connection_sends_the_close_frame_at_once()
    {
        await using var pair = await SocketPair.OpenAsync();
        await using var connection = pair.Connect(new MessagingGatewayOptions());
        Assert.True(connection.TryWrite(new TypingEvent("before", "u", true)));

        connection.Close(CloseCodes.PolicyViolation, "first");
        connection.Close(CloseCodes.NormalClosure, "second");

        Assert.Equal(CloseCodes.PolicyViolation, connection.CloseStatus);
        Assert.Equal(["before"], (await pair.ReadUntilCloseAsync()).Select(f => Parse(f).Conversation));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, pair.Client.CloseStatus);
        Assert.Equal("first", pair.Client.CloseStatusDescription);
        await connection.WhenSendsCompletedAsync().WaitAsync(TimeSpan.FromSeconds(10), Cancellation);
    }

    [Fact]
    public async Task A_client_that_never_reads_is_dropped_after_the_close_timeout()
    {
        var time = new FakeTimeProvider();
        await using var pair = await SocketPair.OpenAsync(socketBufferBytes: 4096);
        await using var connection = pair.Connect(new MessagingGatewayOptions { SendQueueCapacity = 4, CloseTimeout = TimeSpan.FromSeconds(5) }, time);
        Fill(connection);

        connection.Close(CloseCodes.TryAgainLater, "slow consumer");
        var completed = connection.WhenSendsCompletedAsync();
        Assert.False(completed.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(5));

        await completed.WaitAsync(TimeSpan.FromSeconds(10), Cancellation);
        Assert.Equal(WebSocketState.Aborted, pair.Server.State);
    }

    [Fact]
    public async Task A_gateway_frame_that_finds_the_outbox_full_closes_with_1013()
    {
        await using var pair = await SocketPair.OpenAsync(socketBufferBytes: 4096);
        await using var connection = pair.Connect(new MessagingGatewayOptions { SendQueueCapacity = 4 });
        Fill(connection);

        connection.Send(PongFrame.Instance);

        Assert.Equal(CloseCodes.TryAgainLater, connection.CloseStatus);
        await pair.ReadUntilCloseAsync();
        Assert.Equal("send queue full", pair.Client.CloseStatusDescription);
    }

    /// <summary>Writes 64 KiB frames until the outbox refuses one; the client is not reading.</summary>
    private static int Fill(WebSocketClientConnection connection)
    {
        var large = new TypingEvent(new string('x', LargeFrameChars), "u", true);
        var accepted = 0;
        while (connection.TryWrite(large))
        {
            accepted++;
            Assert.True(accepted < 1_000, "the outbox never filled");
        }

        return accepted;
    }

    private static (string Conversation, string User) Parse(string frame)
    {
        using var json = JsonDocument.Parse(frame);
        return (json.RootElement.GetProperty("conversation_id").GetString()!, json.RootElement.GetProperty("user_id").GetString()!);
    }
}
