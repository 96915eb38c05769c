using Messaging.Transports.Kafka;

namespace Messaging.Kafka.Tests.EventLog;

/// <summary>Event log options for a test cluster.</summary>
internal static class EventLogTestOptions
{
    public static KafkaEventLogOptions For(string bootstrapServers, string topic, int partitions = 4) => new()
    {
        BootstrapServers = bootstrapServers,
        Topic = topic,
        Partitions = partitions,
        ClientId = "messaging-tests",
        OperationTimeout = TimeSpan.FromSeconds(10),
    };
}
