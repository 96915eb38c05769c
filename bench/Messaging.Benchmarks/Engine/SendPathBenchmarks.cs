using BenchmarkDotNet.Attributes;

namespace Messaging.Benchmarks.Engine;

/// <summary>
/// The send path with in-memory adapters: validate, dedupe, sequence, append, status to the sender, then delivery to
/// the recipient (awaited) in a direct conversation; and the two halves of a 1:1 message as the load test's
/// <c>direct</c> scenario drives them: the send, then the recipient's delivered <c>ack</c> of it by message id or up
/// to its seq, which produces the sender's <c>delivered</c> status.
/// </summary>
[MemoryDiagnoser]
public class SendPathBenchmarks
{
    private const string Body = "hello, this is a 64 byte message body used by the send benchmark";
    private EngineHost _host = null!;
    private MessagingSession _alice = null!;
    private MessagingSession _bob = null!;
    private CountingConnection _aliceConnection = null!;
    private CountingConnection _bobConnection = null!;
    private string _conversationId = null!;
    private long _next;

    /// <summary>Starts the engine and connects both users.</summary>
    [GlobalSetup]
    public async Task SetupAsync()
    {
        _host = await EngineHost.StartAsync();
        var engine = _host.Engine;
        _conversationId = (await engine.CreateDirectConversationAsync("alice", "bob")).View.Conversation.Id;
        _aliceConnection = new CountingConnection();
        _alice = await engine.ConnectAsync("alice", "d1", _aliceConnection);
        _bobConnection = new CountingConnection();
        _bob = await engine.ConnectAsync("bob", "d1", _bobConnection);
    }

    /// <summary>Stops the engine.</summary>
    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _bob.DisposeAsync();
        await _alice.DisposeAsync();
        await _host.DisposeAsync();
    }

    /// <summary>One 1:1 message, sent and delivered.</summary>
    [Benchmark]
    public async Task SendDirectAndDeliver()
    {
        var delivered = _bobConnection.Expect(1);
        var id = Interlocked.Increment(ref _next);
        await _alice.SendAsync(new SendMessageRequest(_conversationId, Body, "m" + id));
        await delivered;
    }

    /// <summary>
    /// A 1:1 message sent with the recipient connected, then the recipient's delivered ack of it by id, awaited until
    /// the sender's connection has the <c>delivered</c> status. The ack's cost is this minus
    /// <see cref="SendDirectAndDeliver"/>.
    /// </summary>
    [Benchmark]
    public async Task SendDirectThenAck()
    {
        var (message, status) = await SendAndExpectDeliveredAsync("a");
        await _bob.AckAsync([message.MessageId], ReceiptStatus.Delivered);
        await status;
    }

    /// <summary>
    /// The same send, then the recipient's delivered ack up to its seq (the form the load generator's batched acks
    /// take), awaited until the sender's connection has the <c>delivered</c> status.
    /// </summary>
    [Benchmark]
    public async Task SendDirectThenAckUpTo()
    {
        var (message, status) = await SendAndExpectDeliveredAsync("u");
        await _bob.AckUpToAsync(_conversationId, message.Seq, ReceiptStatus.Delivered);
        await status;
    }

    // Sends one message, waits until the recipient has it, and returns it with the wait for its delivered status.
    private async Task<(Message Message, Task Status)> SendAndExpectDeliveredAsync(string prefix)
    {
        var delivered = _bobConnection.Expect(1);
        var id = Interlocked.Increment(ref _next);
        var sent = await _alice.SendAsync(new SendMessageRequest(_conversationId, Body, prefix + id));
        await delivered;
        return (sent.Message, _aliceConnection.ExpectStatus(ReceiptStatus.Delivered, sent.Message.Seq));
    }
}
