using Messaging.Conformance;

namespace Messaging.Tests.InMemory;

// The role suites of the conformance kit, run against the in-memory adapters.
public sealed class InMemorySequencerConformanceTests : SequencerConformanceTests
{
    protected override AdapterCapabilities Capabilities => AdapterCapabilities.InMemory;

    protected override ValueTask<ISequencer> CreateAsync() => ValueTask.FromResult<ISequencer>(new InMemorySequencer());
}

public sealed class InMemoryMessageStoreConformanceTests : MessageStoreConformanceTests
{
    protected override AdapterCapabilities Capabilities { get; } = AdapterCapabilities.InMemory with { Retention = true, AtomicSequencing = true };

    protected override ValueTask<IMessageStore> CreateAsync() => ValueTask.FromResult<IMessageStore>(new InMemoryMessageStore());

    protected override ValueTask<IMessageStore> CreateWithRetentionAsync(int retention) => ValueTask.FromResult<IMessageStore>(new InMemoryMessageStore(retention));
}

public sealed class InMemoryDeduplicationStoreConformanceTests : DeduplicationStoreConformanceTests
{
    protected override AdapterCapabilities Capabilities => AdapterCapabilities.InMemory;

    protected override ValueTask<IDeduplicationStore> CreateAsync(TimeProvider timeProvider) => ValueTask.FromResult<IDeduplicationStore>(new InMemoryDeduplicationStore(timeProvider));
}

public sealed class InMemoryMessageIdIndexConformanceTests : MessageIdIndexConformanceTests
{
    protected override AdapterCapabilities Capabilities => AdapterCapabilities.InMemory;

    protected override ValueTask<IMessageIdIndex> CreateAsync() => ValueTask.FromResult<IMessageIdIndex>(new InMemoryMessageIdIndex());
}

public sealed class InMemoryConversationStoreConformanceTests : ConversationStoreConformanceTests
{
    protected override AdapterCapabilities Capabilities => AdapterCapabilities.InMemory;

    protected override ValueTask<IConversationStore> CreateAsync() => ValueTask.FromResult<IConversationStore>(new InMemoryConversationStore());

    protected override IConversationIndex IndexOf(IConversationStore store) => (InMemoryConversationStore)store;
}

public sealed class InMemoryReceiptStoreConformanceTests : ReceiptStoreConformanceTests
{
    protected override AdapterCapabilities Capabilities => AdapterCapabilities.InMemory;

    protected override ValueTask<IReceiptStore> CreateAsync() => ValueTask.FromResult<IReceiptStore>(new InMemoryReceiptStore());
}

public sealed class InMemoryPresenceStoreConformanceTests : PresenceStoreConformanceTests
{
    protected override AdapterCapabilities Capabilities => AdapterCapabilities.InMemory;

    protected override ValueTask<IPresenceStore> CreateAsync(TimeProvider timeProvider) => ValueTask.FromResult<IPresenceStore>(new InMemoryPresenceStore());
}

public sealed class InMemoryConnectionDirectoryConformanceTests : ConnectionDirectoryConformanceTests
{
    protected override AdapterCapabilities Capabilities => AdapterCapabilities.InMemory;

    protected override ValueTask<IConnectionDirectory> CreateAsync(TimeProvider timeProvider, TimeSpan ttl)
        => ValueTask.FromResult<IConnectionDirectory>(new InMemoryConnectionDirectory(timeProvider, ttl));
}

public sealed class InMemoryTransportConformanceTests : TransportConformanceTests
{
    protected override AdapterCapabilities Capabilities => AdapterCapabilities.InMemory;

    protected override ValueTask<IMessageTransport> CreateAsync() => ValueTask.FromResult<IMessageTransport>(new InMemoryMessageTransport());
}

public sealed class DefaultFanoutPolicyConformanceTests : FanoutPolicyConformanceTests
{
    protected override IFanoutPolicy Create(int writePathMaxMembers) => new DefaultFanoutPolicy(writePathMaxMembers);
}

public sealed class InMemoryContactStoreConformanceTests : ContactStoreConformanceTests
{
    protected override AdapterCapabilities Capabilities => AdapterCapabilities.InMemory;

    protected override ValueTask<IContactStore> CreateAsync() => ValueTask.FromResult<IContactStore>(new InMemoryContactStore());
}

public sealed class InMemoryMediaCatalogConformanceTests : MediaCatalogConformanceTests
{
    protected override AdapterCapabilities Capabilities => AdapterCapabilities.InMemory;

    protected override ValueTask<IMediaCatalog> CreateAsync() => ValueTask.FromResult<IMediaCatalog>(new InMemoryMediaCatalog());
}

public sealed class InMemoryEventLogConformanceTests : EventLogConformanceTests
{
    protected override AdapterCapabilities Capabilities => AdapterCapabilities.InMemory;

    protected override ValueTask<IEventLog> CreateAsync() => ValueTask.FromResult<IEventLog>(new InMemoryEventLog());
}
