using Messaging.Conformance;
using Messaging.Redis.Tests.Tiered;
using Messaging.Stores.Redis;
using Messaging.Transports.Redis;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Xunit;

namespace Messaging.Redis.Tests.Conformance;

// Whole engines on Redis: two nodes, each with its own connection and its own instance of every Redis adapter,
// meeting only in Redis, as gateway processes would.
public sealed class RedisScaleOutConformanceTests(PrivateRedisFixture redis) : ScaleOutConformanceTests, IClassFixture<PrivateRedisFixture>
{
    private readonly RedisNodes _nodes = new();

    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true, AtomicSequencing = true, OrderedPerChannel = true };

    protected override async ValueTask<MessagingBackplane> CreateBackplaneAsync()
        => await _nodes.CreateAsync(redis.Server, multiplexer => Track(multiplexer));

    protected override void ConfigureNode(IServiceCollection services, int nodeIndex) => _nodes.Configure(services, nodeIndex);
}

public sealed class RedisEngineModelConformanceTests(PrivateRedisFixture redis) : RedisNodesEngineModelTests(redis, new RedisNodes())
{
    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true, AtomicSequencing = true, OrderedPerChannel = true };
}

// The same model on the composite path a store of truth takes: the Redis sequencer, Redis de-duplication claims and
// appends at a seq, with the store's atomic step hidden.
public sealed class RedisCompositeEngineModelConformanceTests(PrivateRedisFixture redis) : RedisNodesEngineModelTests(redis, new RedisNodes(composite: true))
{
    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true, OrderedPerChannel = true };
}

// The engine model on two nodes wired by RedisNodes, each node with its own connection to the class's Redis server;
// a subclass picks the wiring and declares its capabilities.
public abstract class RedisNodesEngineModelTests : EngineModelConformanceTests, IClassFixture<PrivateRedisFixture>
{
    private readonly PrivateRedisFixture _redis;
    private readonly RedisNodes _nodes;

    private protected RedisNodesEngineModelTests(PrivateRedisFixture redis, RedisNodes nodes)
    {
        _redis = redis;
        _nodes = nodes;
    }

    // The model runs inside an FsCheck law, which would turn a skip into a failure: skip before it starts.
    public override ValueTask InitializeAsync()
    {
        RedisServer.SkipWhenUnavailable();
        return base.InitializeAsync();
    }

    protected override async ValueTask<MessagingBackplane> CreateBackplaneAsync()
        => await _nodes.CreateAsync(_redis.Server, multiplexer => Track(multiplexer));

    protected override void ConfigureNode(IServiceCollection services, int nodeIndex) => _nodes.Configure(services, nodeIndex);
}

// Two node connections and the Redis adapters on them. The backplane's shared instances are those of node 0; node 1
// registers its own instances of every role first, so it uses none of node 0's.
// composite: hide the store's atomic step, so the engines sequence, claim and append separately.
// tiered: the tiered deployment, each node's Redis message store a hot window of three messages per conversation in
// front of a durable tier both nodes share (DurableStandIn: the in-memory stores standing in for Cassandra, which also
// hold the claims, message ids, conversations and receipts).
internal sealed class RedisNodes(bool composite = false, bool tiered = false)
{
    private IConnectionMultiplexer[] _connections = [];
    private DurableStandIn _durable = new();

    public async Task<MessagingBackplane> CreateAsync(RedisServer server, Action<IConnectionMultiplexer> track)
    {
        _connections = [await server.ConnectAsync(), await server.ConnectAsync()];
        foreach (var connection in _connections)
        {
            track(connection);
        }

        _durable = new DurableStandIn();
        var node0 = _connections[0];
        var (messages, fenceSource) = Messages(node0);
        return new MessagingBackplane
        {
            Transport = new RedisMessageTransport(node0),
            Messages = messages,
            Deduplication = tiered ? _durable.Deduplication : new RedisDeduplicationStore(node0),
            MessageIds = tiered ? _durable.MessageIds : new RedisMessageIdIndex(node0),
            Sequencer = new RedisSequencer(node0, fenceSource),
            Conversations = tiered ? _durable.Conversations : new RedisConversationStore(node0),
            ConversationIndex = tiered ? null : new RedisConversationIndex(node0),
            Receipts = tiered ? _durable.Receipts : new RedisReceiptStore(node0),
            Directory = new RedisConnectionDirectory(node0, TimeProvider.System),
            Presence = new RedisPresenceStore(node0),
        };
    }

    public void Configure(IServiceCollection services, int nodeIndex)
    {
        if (nodeIndex == 0)
        {
            return;
        }

        var connection = _connections[nodeIndex];
        var (messages, fenceSource) = Messages(connection);
        services.AddSingleton<IMessageTransport>(new RedisMessageTransport(connection));
        services.AddSingleton(messages);
        services.AddSingleton<ISequencer>(new RedisSequencer(connection, fenceSource));
        services.AddSingleton<IConnectionDirectory>(new RedisConnectionDirectory(connection, TimeProvider.System));
        services.AddSingleton<IPresenceStore>(new RedisPresenceStore(connection));
        if (tiered)
        {
            // The durable tier's roles are the shared instances of the backplane.
            return;
        }

        services.AddSingleton<IDeduplicationStore>(new RedisDeduplicationStore(connection));
        services.AddSingleton<IMessageIdIndex>(new RedisMessageIdIndex(connection));
        services.AddSingleton<IConversationStore>(new RedisConversationStore(connection));
        services.AddSingleton<IConversationIndex>(new RedisConversationIndex(connection));
        services.AddSingleton<IReceiptStore>(new RedisReceiptStore(connection));
    }

    // The node's message store as the engine sees it, and the store its sequencer fences against.
    private (IMessageStore Messages, IMessageStore FenceSource) Messages(IConnectionMultiplexer connection)
    {
        if (tiered)
        {
            var store = new TieredMessageStore(_durable.Messages, new RedisMessageStore(connection, new RedisStoreOptions { MessageRetention = 3 }));
            return (store, store);
        }

        var messages = new RedisMessageStore(connection);
        return (composite ? new CompositePathMessageStore(messages) : messages, messages);
    }
}
