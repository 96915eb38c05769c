using Messaging.Conformance;
using Messaging.Transports.Kafka;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Kafka.Tests.Conformance;

// Whole engines on the Kafka backplane: two nodes, each with its own transport (its own producer and inbox consumer),
// meeting only in the mock cluster's brokers, as gateway processes would; the stores are the shared in-memory ones.
public sealed class KafkaScaleOutConformanceTests(KafkaFixture kafka) : ScaleOutConformanceTests
{
    private readonly KafkaNodes _nodes = new(kafka.BootstrapServers);

    protected override AdapterCapabilities Capabilities { get; } = new() { MultiNode = true, OrderedPerChannel = true, Positions = true };

    protected override async ValueTask<MessagingBackplane> CreateBackplaneAsync() => await _nodes.CreateAsync(t => Track(t));

    protected override void ConfigureNode(IServiceCollection services, int nodeIndex) => _nodes.Configure(services, nodeIndex);
}

public sealed class KafkaEngineModelConformanceTests(KafkaFixture kafka) : EngineModelConformanceTests
{
    private readonly KafkaNodes _nodes = new(kafka.BootstrapServers);

    protected override AdapterCapabilities Capabilities { get; } = new() { MultiNode = true, OrderedPerChannel = true, Positions = true };

    // Each run starts two gateways with their own Kafka clients; fewer runs than in memory keep the suite quick.
    protected override int Runs => 8;

    protected override async ValueTask<MessagingBackplane> CreateBackplaneAsync() => await _nodes.CreateAsync(t => Track(t));

    protected override void ConfigureNode(IServiceCollection services, int nodeIndex) => _nodes.Configure(services, nodeIndex);
}

// A Kafka transport per node over shared in-memory stores. Node 0 uses the backplane's transport; node 1 registers its
// own first. The transports of the previous run are closed when the next run starts (its engines have stopped by then),
// the last ones by the test's cleanup.
internal sealed class KafkaNodes(string bootstrapServers)
{
    private readonly List<KafkaMessageTransport> _transports = [];

    public async Task<MessagingBackplane> CreateAsync(Action<KafkaMessageTransport> track)
    {
        foreach (var previous in _transports)
        {
            await previous.DisposeAsync();
        }

        _transports.Clear();
        for (var node = 0; node < 2; node++)
        {
            var transport = new KafkaMessageTransport(KafkaFixture.Options(bootstrapServers));
            _transports.Add(transport);
            track(transport);
        }

        return MessagingBackplane.InMemory(_transports[0]);
    }

    public void Configure(IServiceCollection services, int nodeIndex)
    {
        if (nodeIndex == 1)
        {
            services.AddSingleton<IMessageTransport>(_transports[1]);
        }
    }
}
