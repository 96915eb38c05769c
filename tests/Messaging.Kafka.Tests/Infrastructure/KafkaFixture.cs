using Messaging.Transports.Kafka;

[assembly: AssemblyFixture(typeof(Messaging.Kafka.Tests.KafkaFixture))]

namespace Messaging.Kafka.Tests;

/// <summary>
/// One 3-broker mock cluster shared by the tests that inject no faults (they use fresh node ids, so they never
/// collide). Fault tests start their own cluster with <see cref="StartCluster"/>, since they take brokers down.
/// </summary>
public sealed class KafkaFixture : IDisposable
{
    private readonly KafkaMockCluster _cluster = StartCluster();

    /// <summary>The shared cluster's brokers.</summary>
    public string BootstrapServers => _cluster.BootstrapServers;

    /// <summary>The librdkafka build this process loaded (the one the transport and the mock cluster share).</summary>
    public static string LibraryPath { get; } = KafkaNativeLibrary.EnsureLoaded()
        ?? throw new InvalidOperationException("librdkafka was loaded before the tests could choose the build.");

    /// <summary>Starts a private cluster on the loaded librdkafka.</summary>
    /// <param name="brokers">How many brokers.</param>
    /// <returns>The cluster (dispose it).</returns>
    public static KafkaMockCluster StartCluster(int brokers = 3) => KafkaMockCluster.Start(LibraryPath, brokers);

    /// <summary>Transport options for a cluster, with the test's own topic prefix.</summary>
    /// <param name="bootstrapServers">The cluster's brokers.</param>
    /// <returns>The options.</returns>
    public static KafkaTransportOptions Options(string bootstrapServers) => new()
    {
        BootstrapServers = bootstrapServers,
        ClientId = "messaging-tests",
        OperationTimeout = TimeSpan.FromSeconds(10),
    };

    /// <inheritdoc />
    public void Dispose() => _cluster.Dispose();
}
