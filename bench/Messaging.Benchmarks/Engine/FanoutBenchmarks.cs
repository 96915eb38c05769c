using BenchmarkDotNet.Attributes;

namespace Messaging.Benchmarks.Engine;

/// <summary>
/// One group message fanned out to every other connected member (10, 100 and 1,000 members; above the fan-out
/// policy's write-path threshold of 100 the engine uses the read path). Measured until the last member has it.
/// </summary>
[MemoryDiagnoser]
public class FanoutBenchmarks
{
    private EngineHost _host = null!;
    private readonly List<MessagingSession> _sessions = [];
    private CountingConnection[] _members = null!;
    private string _groupId = null!;
    private long _next;

    /// <summary>Members in the group, the sender included.</summary>
    [Params(10, 100, 1000)]
    public int Members { get; set; }

    /// <summary>Starts the engine, creates the group and connects every member.</summary>
    [GlobalSetup]
    public async Task SetupAsync()
    {
        _host = await EngineHost.StartAsync();
        var engine = _host.Engine;
        var ids = Enumerable.Range(0, Members).Select(i => "m" + i).ToArray();
        _groupId = (await engine.CreateGroupAsync(ids[0], "bench", ids[1..])).Conversation.Id;
        _members = new CountingConnection[Members];
        for (var i = 0; i < Members; i++)
        {
            _members[i] = new CountingConnection();
            _sessions.Add(await engine.ConnectAsync(ids[i], "d1", _members[i]));
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

    /// <summary>One message to the group, delivered to every other member.</summary>
    [Benchmark]
    public async Task SendToGroup()
    {
        var delivered = new Task[Members - 1];
        for (var i = 1; i < Members; i++)
        {
            delivered[i - 1] = _members[i].Expect(1);
        }

        var id = Interlocked.Increment(ref _next);
        await _sessions[0].SendAsync(new SendMessageRequest(_groupId, "hello, this is a 64 byte message body used by the fan-out benchmark", "g" + id));
        await Task.WhenAll(delivered);
    }
}
