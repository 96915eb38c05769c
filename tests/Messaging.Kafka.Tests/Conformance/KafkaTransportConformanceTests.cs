using Messaging.Conformance;
using Messaging.Transports.Kafka;

namespace Messaging.Kafka.Tests.Conformance;

// The transport laws on the mock cluster: every instance is a gateway process of its own (its own producer and
// consumers), meeting the others only in the brokers, and the topics outlive the instances, so positions survive a restart.
public sealed class KafkaTransportConformanceTests(KafkaFixture kafka) : TransportConformanceTests
{
    protected override AdapterCapabilities Capabilities { get; } = new() { SurvivesRestart = true, MultiNode = true, OrderedPerChannel = true, Positions = true };

    protected override ValueTask<IMessageTransport> CreateAsync()
        => ValueTask.FromResult<IMessageTransport>(new KafkaMessageTransport(KafkaFixture.Options(kafka.BootstrapServers)));
}
