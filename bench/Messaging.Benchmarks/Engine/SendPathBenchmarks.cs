using BenchmarkDotNet.Attributes;

namespace Messaging.Benchmarks.Engine;

/// <summary>
/// The send path with in-memory adapters: validate, dedupe, sequence, append, status to the sender, then delivery to
/// the recipient (awaited) in a direct conversation.
/// </summary>
[MemoryDiagnoser]
public class SendPathBenchmarks
{
    private EngineHost _host = null!;
    private MessagingSession _alice = null!;
    private MessagingSession _bob = null!;
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
        _alice = await engine.ConnectAsync("alice", "d1", new CountingConnection());
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
        await _alice.SendAsync(new SendMessageRequest(_conversationId, "hello, this is a 64 byte message body used by the send benchmark", "m" + id));
        await delivered;
    }
}
