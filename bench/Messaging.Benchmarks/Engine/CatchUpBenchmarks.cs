using BenchmarkDotNet.Attributes;

namespace Messaging.Benchmarks.Engine;

/// <summary>A device that has never been online connects to 10,000 stored messages; measured until it has them all.</summary>
[MemoryDiagnoser]
public class CatchUpBenchmarks
{
    private const int StoredMessages = 10_000;

    private EngineHost _host = null!;
    private long _device;

    /// <summary>Stores the messages once.</summary>
    [GlobalSetup]
    public async Task SetupAsync()
    {
        _host = await EngineHost.StartAsync();
        var engine = _host.Engine;
        var conversationId = (await engine.CreateDirectConversationAsync("alice", "bob")).View.Conversation.Id;
        await using var alice = await engine.ConnectAsync("alice", "d1", new CountingConnection());
        for (var i = 0; i < StoredMessages; i++)
        {
            await alice.SendAsync(new SendMessageRequest(conversationId, "a stored message waiting for its recipient", "s" + i));
        }
    }

    /// <summary>Stops the engine.</summary>
    [GlobalCleanup]
    public Task CleanupAsync() => _host.DisposeAsync().AsTask();

    /// <summary>Connect a new device of the recipient and receive all 10,000 messages.</summary>
    [Benchmark(OperationsPerInvoke = StoredMessages)]
    public async Task CatchUp10000()
    {
        var connection = new CountingConnection();
        var all = connection.Expect(StoredMessages);
        var device = "d" + Interlocked.Increment(ref _device);
        await using var session = await _host.Engine.ConnectAsync("bob", device, connection);
        await all;
    }
}
