using Messaging.Stores.Redis;
using Xunit;

namespace Messaging.Redis.Tests.Stores;

// How the sequencer stays ahead of a durable message store when Redis forgets; the role's laws run in
// RedisSequencerConformanceTests.
public sealed class RedisSequencerTests
{
    private static readonly DateTimeOffset Now = new(2024, 1, 15, 10, 30, 0, TimeSpan.Zero);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Restart_without_persistence_fences_the_counter_against_the_store()
    {
        await using var server = await RedisServer.StartAsync(persistent: false);
        await using var connection = await server.ConnectAsync();
        var durable = new InMemoryMessageStore();
        var sequencer = new RedisSequencer(connection, durable);
        var conversation = NewId("conv");
        for (var i = 0; i < 7; i++)
        {
            await durable.AppendAsync(Message(conversation, await sequencer.NextAsync(conversation, Token)), Token);
        }

        await server.RestartAsync();

        Assert.Equal(7, await sequencer.CurrentAsync(conversation, Token));
        Assert.Equal(8, await sequencer.NextAsync(conversation, Token));
    }

    [Fact]
    public async Task Restart_that_rolled_the_counter_back_is_fenced_against_the_store()
    {
        await using var server = await RedisServer.StartAsync(persistent: true);
        await using var connection = await server.ConnectAsync();
        var durable = new InMemoryMessageStore();
        var sequencer = new RedisSequencer(connection, durable);
        var conversation = NewId("conv");
        for (var i = 0; i < 5; i++)
        {
            await durable.AppendAsync(Message(conversation, await sequencer.NextAsync(conversation, Token)), Token);
        }

        // As if the last writes were lost: the persisted counter is behind what the durable store holds.
        await connection.GetDatabase().StringSetAsync(RedisKeys.Counter(conversation), 2);
        await server.RestartAsync();

        Assert.Equal(6, await sequencer.NextAsync(conversation, Token));
    }

    [Fact]
    public async Task Without_a_restart_the_counter_is_trusted_and_fenced_only_once()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        var durable = new CountingStore();
        var sequencer = new RedisSequencer(connection, durable);
        var conversation = NewId("conv");

        for (var i = 1; i <= 5; i++)
        {
            Assert.Equal(i, await sequencer.NextAsync(conversation, Token));
        }

        Assert.Equal(1, durable.LastSeqReads);
    }

    private static Message Message(string conversationId, long seq) => new()
    {
        ConversationId = conversationId,
        Seq = seq,
        MessageId = NewId("m"),
        SenderId = "alice",
        ClientMsgId = NewId("cmid"),
        Content = "hello",
        Timestamp = Now,
    };

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    // Counts how often the sequencer asks the store for its last seq.
    private sealed class CountingStore : IMessageStore
    {
        private int _lastSeqReads;

        public int LastSeqReads => Volatile.Read(ref _lastSeqReads);

        public ValueTask<long> GetLastSeqAsync(string conversationId, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _lastSeqReads);
            return ValueTask.FromResult(0L);
        }

        public ValueTask<AppendResult> AppendAsync(Message message, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<IReadOnlyList<Message>> ReadAfterAsync(string conversationId, long afterSeq, int limit, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<IReadOnlyList<Message>> ReadBeforeAsync(string conversationId, long beforeSeq, int limit, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<Message?> GetAsync(string conversationId, long seq, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<long> GetHistoryStartAsync(string conversationId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
