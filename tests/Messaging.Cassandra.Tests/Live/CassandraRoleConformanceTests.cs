using Messaging.Conformance;
using Messaging.Stores.Cassandra;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Cassandra.Tests.Live;

// The role suites of the conformance kit against a live Cassandra node, each class in a keyspace of its own. Every
// store keeps its state in Cassandra, so a new instance (its own session) is a restarted or another gateway. Claims
// expire on the server's clock (not the suite's fake one), and nothing is ever removed (no retention): those laws are
// reported as skipped by the suites, and the claim expiry is covered by CassandraLiveTests.
public sealed class CassandraMessageStoreConformanceTests(CassandraKeyspace keyspace) : MessageStoreConformanceTests, IClassFixture<CassandraKeyspace>
{
    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true };

    public override ValueTask InitializeAsync()
    {
        CassandraLive.SkipWhenUnavailable();
        return base.InitializeAsync();
    }

    protected override ValueTask<IMessageStore> CreateAsync() => ValueTask.FromResult<IMessageStore>(new CassandraMessageStore(Track(keyspace.NewContext())));
}

public sealed class CassandraDeduplicationStoreConformanceTests(CassandraKeyspace keyspace) : DeduplicationStoreConformanceTests, IClassFixture<CassandraKeyspace>
{
    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true };

    public override ValueTask InitializeAsync()
    {
        CassandraLive.SkipWhenUnavailable();
        return base.InitializeAsync();
    }

    protected override ValueTask<IDeduplicationStore> CreateAsync(TimeProvider timeProvider)
        => ValueTask.FromResult<IDeduplicationStore>(new CassandraDeduplicationStore(Track(keyspace.NewContext())));
}

public sealed class CassandraMessageIdIndexConformanceTests(CassandraKeyspace keyspace) : MessageIdIndexConformanceTests, IClassFixture<CassandraKeyspace>
{
    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true };

    public override ValueTask InitializeAsync()
    {
        CassandraLive.SkipWhenUnavailable();
        return base.InitializeAsync();
    }

    protected override ValueTask<IMessageIdIndex> CreateAsync() => ValueTask.FromResult<IMessageIdIndex>(new CassandraMessageIdIndex(Track(keyspace.NewContext())));
}

public sealed class CassandraConversationStoreConformanceTests(CassandraKeyspace keyspace) : ConversationStoreConformanceTests, IClassFixture<CassandraKeyspace>
{
    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true };

    public override ValueTask InitializeAsync()
    {
        CassandraLive.SkipWhenUnavailable();
        return base.InitializeAsync();
    }

    protected override ValueTask<IConversationStore> CreateAsync() => ValueTask.FromResult<IConversationStore>(new CassandraConversationStore(Track(keyspace.NewContext())));

    protected override IConversationIndex IndexOf(IConversationStore store) => new CassandraConversationIndex(Track(keyspace.NewContext()));
}

public sealed class CassandraReceiptStoreConformanceTests(CassandraKeyspace keyspace) : ReceiptStoreConformanceTests, IClassFixture<CassandraKeyspace>
{
    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true };

    public override ValueTask InitializeAsync()
    {
        CassandraLive.SkipWhenUnavailable();
        return base.InitializeAsync();
    }

    protected override ValueTask<IReceiptStore> CreateAsync() => ValueTask.FromResult<IReceiptStore>(new CassandraReceiptStore(Track(keyspace.NewContext())));
}

// The model-based engine test on the composite commit path a store of truth takes: the Cassandra message store,
// claims, message id index, conversations, index and receipts, with an in-memory sequencer (fenced by the Cassandra
// last seq), transport, directory and presence, as UseCassandra(...) wires a single gateway.
public class CassandraEngineModelConformanceTests(CassandraKeyspace keyspace) : EngineModelConformanceTests, IClassFixture<CassandraKeyspace>
{
    protected CassandraKeyspace Keyspace => keyspace;

    /// <summary>The message store of the current run.</summary>
    protected IMessageStore? Messages { get; private set; }

    // The model runs inside an FsCheck law, which would turn a skip into a failure: skip before it starts.
    public override ValueTask InitializeAsync()
    {
        CassandraLive.SkipWhenUnavailable();
        return base.InitializeAsync();
    }

    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, OrderedPerChannel = true, Positions = true };

    /// <summary>The sequencer both nodes share, or null when each node registers its own.</summary>
    protected virtual ISequencer? SharedSequencer(IMessageStore messages) => new InMemorySequencer(messages);

    protected override ValueTask<MessagingBackplane> CreateBackplaneAsync()
    {
        var context = Track(keyspace.NewContext());
        var messages = Messages = new CassandraMessageStore(context);
        return ValueTask.FromResult(new MessagingBackplane
        {
            Transport = new InMemoryMessageTransport(),
            Messages = messages,
            Deduplication = new CassandraDeduplicationStore(context),
            MessageIds = new CassandraMessageIdIndex(context),
            Sequencer = SharedSequencer(messages),
            Conversations = new CassandraConversationStore(context),
            ConversationIndex = new CassandraConversationIndex(context),
            Receipts = new CassandraReceiptStore(context),
            Directory = new InMemoryConnectionDirectory(TimeProvider.System),
            Presence = new InMemoryPresenceStore(),
        });
    }
}

// The sequencer on lightweight transactions: every instance has a session of its own, so two instances are two
// gateways and a new one is a restarted gateway; counters live in Cassandra.
public sealed class CassandraSequencerConformanceTests(CassandraKeyspace keyspace) : SequencerConformanceTests, IClassFixture<CassandraKeyspace>
{
    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true };

    public override ValueTask InitializeAsync()
    {
        CassandraLive.SkipWhenUnavailable();
        return base.InitializeAsync();
    }

    protected override ValueTask<ISequencer> CreateAsync()
    {
        var context = Track(keyspace.NewContext());
        return ValueTask.FromResult<ISequencer>(new CassandraSequencer(context, new CassandraMessageStore(context)));
    }
}

// The model-based engine test on the Cassandra-only deployment of several gateways: the roles above, and each of the
// two nodes with a sequencer of its own on lightweight transactions (its own session), as
// UseCassandra(...).UseCassandraSequencer() wires each gateway; they share only the Cassandra keyspace (and the
// in-memory transport, directory and presence standing in for the backplane between them).
public sealed class CassandraSequencerEngineModelConformanceTests(CassandraKeyspace keyspace) : CassandraEngineModelConformanceTests(keyspace)
{
    protected override ISequencer? SharedSequencer(IMessageStore messages) => null;

    protected override void ConfigureNode(IServiceCollection services, int nodeIndex)
        => services.AddSingleton<ISequencer>(new CassandraSequencer(Track(Keyspace.NewContext()), Messages ?? throw new InvalidOperationException("The backplane comes first.")));
}
