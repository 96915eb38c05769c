using BenchmarkDotNet.Attributes;

namespace Messaging.Benchmarks.Engine;

/// <summary>
/// The in-memory store's atomic append (<see cref="IAtomicSequencingStore.SequenceAndAppendAsync"/>: claim the client
/// message id, take the next seq, append, record the message id) into a store that already holds a million messages
/// in 20 conversations, as a busy gateway's store does: its claim and id maps are far larger than the CPU caches, so
/// what an append costs is mostly what its look-ups in them miss.
/// </summary>
[MemoryDiagnoser]
public class InMemoryAppendBenchmarks
{
    private const int Conversations = 20;
    private const int Stored = 1_000_000;
    private const int AppendsPerInvoke = 10_000;
    private const string Body = "hello, this is a 64 byte message body used by the send benchmark";

    private static readonly TimeSpan Window = TimeSpan.FromDays(7);

    private InMemoryMessageStore _store = null!;
    private long _next;

    /// <summary>Fills the store.</summary>
    [GlobalSetup]
    public async Task SetupAsync()
    {
        _store = new InMemoryMessageStore(new InMemoryDeduplicationStore(), new InMemoryMessageIdIndex());
        for (var i = 0; i < Stored; i++)
        {
            await AppendOneAsync();
        }
    }

    /// <summary>One append to a store of a million messages (timed over 10,000).</summary>
    [Benchmark(OperationsPerInvoke = AppendsPerInvoke)]
    public async Task SequenceAndAppend()
    {
        for (var i = 0; i < AppendsPerInvoke; i++)
        {
            await AppendOneAsync();
        }
    }

    private ValueTask<AppendResult> AppendOneAsync()
    {
        var n = ++_next;
        return _store.SequenceAndAppendAsync(
            new Message
            {
                ConversationId = "conversation-" + (n % Conversations),
                Seq = 0,
                MessageId = "0190f6b2-7c1e-7a00-8000-" + n.ToString("D12", System.Globalization.CultureInfo.InvariantCulture),
                SenderId = "user-" + (n % 2),
                ClientMsgId = "c" + n.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Content = Body,
                Timestamp = DateTimeOffset.UnixEpoch,
            },
            Window);
    }
}
