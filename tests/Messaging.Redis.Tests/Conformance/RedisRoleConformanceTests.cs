using Messaging.Conformance;
using Messaging.Stores.Redis;
using Messaging.Transports.Redis;

namespace Messaging.Redis.Tests.Conformance;

// The role suites of the conformance kit, run against the Redis adapters on the shared server. Every adapter keeps
// its state in Redis, so a new instance is a restarted or another node.
public sealed class RedisSequencerConformanceTests(RedisFixture redis) : SequencerConformanceTests
{
    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true };

    protected override ValueTask<ISequencer> CreateAsync()
        => ValueTask.FromResult<ISequencer>(new RedisSequencer(redis.Multiplexer, new RedisMessageStore(redis.Multiplexer)));
}

public sealed class RedisMessageStoreConformanceTests(RedisFixture redis) : MessageStoreConformanceTests
{
    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true, AtomicSequencing = true, Retention = true };

    protected override ValueTask<IMessageStore> CreateAsync() => ValueTask.FromResult<IMessageStore>(new RedisMessageStore(redis.Multiplexer));

    protected override ValueTask<IMessageStore> CreateWithRetentionAsync(int retention)
        => ValueTask.FromResult<IMessageStore>(new RedisMessageStore(redis.Multiplexer, new RedisStoreOptions { MessageRetention = retention }));
}

public sealed class RedisDeduplicationStoreConformanceTests(RedisFixture redis) : DeduplicationStoreConformanceTests
{
    // Claims expire on the server's clock, not on the suite's fake one.
    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true };

    protected override ValueTask<IDeduplicationStore> CreateAsync(TimeProvider timeProvider) => ValueTask.FromResult<IDeduplicationStore>(new RedisDeduplicationStore(redis.Multiplexer));
}

public sealed class RedisMessageIdIndexConformanceTests(RedisFixture redis) : MessageIdIndexConformanceTests
{
    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true };

    protected override ValueTask<IMessageIdIndex> CreateAsync() => ValueTask.FromResult<IMessageIdIndex>(new RedisMessageIdIndex(redis.Multiplexer));
}

public sealed class RedisConversationStoreConformanceTests(RedisFixture redis) : ConversationStoreConformanceTests
{
    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true };

    protected override ValueTask<IConversationStore> CreateAsync() => ValueTask.FromResult<IConversationStore>(new RedisConversationStore(redis.Multiplexer));

    protected override IConversationIndex IndexOf(IConversationStore store) => new RedisConversationIndex(redis.Multiplexer);
}

public sealed class RedisReceiptStoreConformanceTests(RedisFixture redis) : ReceiptStoreConformanceTests
{
    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true };

    protected override ValueTask<IReceiptStore> CreateAsync() => ValueTask.FromResult<IReceiptStore>(new RedisReceiptStore(redis.Multiplexer));
}

public sealed class RedisPresenceStoreConformanceTests(RedisFixture redis) : PresenceStoreConformanceTests
{
    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true };

    protected override ValueTask<IPresenceStore> CreateAsync(TimeProvider timeProvider) => ValueTask.FromResult<IPresenceStore>(new RedisPresenceStore(redis.Multiplexer));
}

public sealed class RedisContactStoreConformanceTests(RedisFixture redis) : ContactStoreConformanceTests
{
    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true };

    protected override ValueTask<IContactStore> CreateAsync() => ValueTask.FromResult<IContactStore>(new RedisContactStore(redis.Multiplexer));
}

public sealed class RedisMediaCatalogConformanceTests(RedisFixture redis) : MediaCatalogConformanceTests
{
    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true };

    protected override ValueTask<IMediaCatalog> CreateAsync() => ValueTask.FromResult<IMediaCatalog>(new RedisMediaCatalog(redis.Multiplexer));
}

public sealed class RedisConnectionDirectoryConformanceTests(RedisFixture redis) : ConnectionDirectoryConformanceTests
{
    // Node leases are deadlines computed on the given clock, so the suite's fake clock drives expiry.
    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true, ClockFromTimeProvider = true };

    protected override ValueTask<IConnectionDirectory> CreateAsync(TimeProvider timeProvider, TimeSpan ttl)
        => ValueTask.FromResult<IConnectionDirectory>(new RedisConnectionDirectory(redis.Multiplexer, timeProvider, ttl));
}

public sealed class RedisTransportConformanceTests(RedisFixture redis) : TransportConformanceTests
{
    protected override AdapterCapabilities Capabilities { get; } = new() { MultiNode = true, OrderedPerChannel = true };

    // Each transport gets its own connection, as a gateway node in its own process would.
    protected override async ValueTask<IMessageTransport> CreateAsync()
    {
        var multiplexer = Track(await redis.Server.ConnectAsync());
        return new RedisMessageTransport(multiplexer);
    }
}
