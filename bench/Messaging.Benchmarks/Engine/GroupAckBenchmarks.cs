using BenchmarkDotNet.Attributes;

namespace Messaging.Benchmarks.Engine;

/// <summary>
/// Delivered acks in a group of 1,000 connected members: per invocation the first member sends one message, then
/// every other member acks up to it, one after the other (each ack moves that member's watermark, so each one runs the
/// group's status aggregate; the last one crosses it). Reported per ack.
/// </summary>
[MemoryDiagnoser]
public class GroupAckBenchmarks
{
    private const int Members = 1000;
    private EngineHost _host = null!;
    private readonly List<MessagingSession> _sessions = [];
    private string _groupId = null!;
    private long _next;

    /// <summary>Starts the engine, creates the group and connects every member.</summary>
    [GlobalSetup]
    public async Task SetupAsync()
    {
        _host = await EngineHost.StartAsync();
        var engine = _host.Engine;
        var ids = Enumerable.Range(0, Members).Select(i => "m" + i).ToArray();
        _groupId = (await engine.CreateGroupAsync(ids[0], "bench", ids[1..])).Conversation.Id;
        for (var i = 0; i < Members; i++)
        {
            _sessions.Add(await engine.ConnectAsync(ids[i], "d1", new CountingConnection()));
        }
    }

    /// <summary>Stops the engine.</summary>
    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        foreach (var session in _sessions)
        {
            await session.DisposeAsync();
        }

        await _host.DisposeAsync();
    }

    /// <summary>One message, then a delivered ack from each of the 999 other members.</summary>
    [Benchmark(OperationsPerInvoke = Members - 1)]
    public async Task AckInGroupOf1000()
    {
        var id = Interlocked.Increment(ref _next);
        var sent = await _sessions[0].SendAsync(new SendMessageRequest(_groupId, "ack benchmark", "a" + id));
        for (var i = 1; i < Members; i++)
        {
            await _sessions[i].AckUpToAsync(_groupId, sent.Message.Seq, ReceiptStatus.Delivered);
        }
    }
}
