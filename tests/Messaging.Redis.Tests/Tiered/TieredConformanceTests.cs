using Messaging.Conformance;
using Messaging.Stores.Redis;
using Messaging.Transports.Redis;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
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
public sealed class TieredEngineModelConformanceTests(PrivateRedisFixture redis) : EngineModelConformanceTests, IClassFixture<PrivateRedisFixture>
{
    private readonly TieredNodes _nodes = new();

    // The model runs inside an FsCheck law, which would turn a skip into a failure: skip before it starts.
    public override ValueTask InitializeAsync()
    {
        RedisServer.SkipWhenUnavailable();
        return base.InitializeAsync();
    }

    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true, OrderedPerChannel = true };

    protected override async ValueTask<MessagingBackplane> CreateBackplaneAsync()
        => await _nodes.CreateAsync(redis.Server, multiplexer => Track(multiplexer));

    protected override void ConfigureNode(IServiceCollection services, int nodeIndex) => _nodes.Configure(services, nodeIndex);
}

// Two node connections, the durable tier both share, and each node's Redis adapters on its own connection. Node 1
// registers its own instances first, so it uses none of node 0's Redis adapters.
internal sealed class TieredNodes
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
        var messages = Tiered(node0);
        return new MessagingBackplane
        {
            Transport = new RedisMessageTransport(node0),
            Messages = messages,
            Deduplication = _durable.Deduplication,
            MessageIds = _durable.MessageIds,
            Sequencer = new RedisSequencer(node0, messages),
            Conversations = _durable.Conversations,
            Receipts = _durable.Receipts,
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
        var messages = Tiered(connection);
        services.AddSingleton<IMessageTransport>(new RedisMessageTransport(connection));
        services.AddSingleton<IMessageStore>(messages);
        services.AddSingleton<ISequencer>(new RedisSequencer(connection, messages));
        services.AddSingleton<IConnectionDirectory>(new RedisConnectionDirectory(connection, TimeProvider.System));
        services.AddSingleton<IPresenceStore>(new RedisPresenceStore(connection));
    }

    private TieredMessageStore Tiered(IConnectionMultiplexer connection)
        => new(_durable.Messages, new RedisMessageStore(connection, new RedisStoreOptions { MessageRetention = 3 }));
}
