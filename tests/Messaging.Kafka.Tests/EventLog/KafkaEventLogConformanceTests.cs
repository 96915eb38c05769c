using Messaging.Conformance;
using Messaging.Transports.Kafka;

namespace Messaging.Kafka.Tests.EventLog;

// The event log suite of the conformance kit on the shared mock cluster (one topic; every test uses fresh conversations).
public sealed class KafkaEventLogConformanceTests(KafkaFixture kafka) : EventLogConformanceTests
{
    protected override AdapterCapabilities Capabilities => AdapterCapabilities.InMemory with { MultiNode = true };

    protected override ValueTask<IEventLog> CreateAsync()
        => ValueTask.FromResult<IEventLog>(new KafkaEventLog(EventLogTestOptions.For(kafka.BootstrapServers, "messaging.events.conformance")));
}
