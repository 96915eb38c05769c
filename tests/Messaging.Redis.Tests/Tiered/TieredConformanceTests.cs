using Messaging.Conformance;
using Messaging.Redis.Tests.Conformance;
using Messaging.Stores.Redis;
using Xunit;

namespace Messaging.Redis.Tests.Tiered;

/// <summary>
/// The message store suite on the tiered store: a real Redis hot window of three messages per conversation (so the
/// suite's reads span both tiers) in front of the in-memory message store as the durable tier, a real adapter standing
/// in for Cassandra in a single process. Every instance shares the durable tier, as gateways share Cassandra.
/// </summary>
public sealed class TieredMessageStoreConformanceTests(RedisFixture redis) : MessageStoreConformanceTests
{
    private readonly InMemoryMessageStore _durable = new();

    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true };

    protected override ValueTask<IMessageStore> CreateAsync()
        => ValueTask.FromResult<IMessageStore>(new TieredMessageStore(_durable, new RedisMessageStore(redis.Multiplexer, new RedisStoreOptions { MessageRetention = 3 })));
}

/// <summary>
/// The engine model on the tiered deployment: two nodes, each with its own Redis connection for the sequencer (fenced
/// against the durable last seq), the hot window (three messages per conversation), presence, the directory and the
/// backplane; the durable tier (messages, claims, message ids, conversations, receipts) is the in-memory stores shared
/// by both nodes, real adapters standing in for Cassandra in a single process.
/// </summary>
public sealed class TieredEngineModelConformanceTests(PrivateRedisFixture redis) : RedisNodesEngineModelTests(redis, new RedisNodes(tiered: true))
{
    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true, OrderedPerChannel = true };
}
