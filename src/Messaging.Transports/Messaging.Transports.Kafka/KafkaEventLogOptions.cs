namespace Messaging.Transports.Kafka;

/// <summary>Options of the Kafka event log (<see cref="KafkaEventLog"/>).</summary>
/// <remarks>
/// <see cref="BootstrapServers"/> is required. The topic is created at first use with <see cref="Partitions"/> and
/// <see cref="ReplicationFactor"/> when it does not exist; an existing topic keeps its own partition count, which the
/// log reads and partitions by. <see cref="ProducerSettings"/> and <see cref="ConsumerSettings"/> pass librdkafka
/// properties through, except the ones the guarantees rest on (<c>enable.idempotence</c>, <c>acks</c>,
/// <c>bootstrap.servers</c>, <c>group.id</c>, <c>enable.auto.commit</c>, <c>enable.auto.offset.store</c>). Validated
/// when the host starts.
/// </remarks>
public sealed class KafkaEventLogOptions
{
    /// <summary>The default of <see cref="Topic"/>.</summary>
    public const string DefaultTopic = KafkaNames.DefaultEventLogTopic;

    /// <summary>The default of <see cref="Partitions"/>.</summary>
    public const int DefaultPartitions = 12;

    /// <summary>The most partitions <see cref="Partitions"/> accepts.</summary>
    public const int MaxPartitions = 10_000;

    /// <summary>The default of <see cref="ReplicationFactor"/>.</summary>
    public const short DefaultReplicationFactor = 3;

    /// <summary>The brokers, comma-separated <c>host:port</c> pairs (required).</summary>
    public string? BootstrapServers { get; set; }

    /// <summary>The event log's topic (ASCII letters, digits, <c>.</c>, <c>_</c> and <c>-</c>; default <c>messaging.events</c>).</summary>
    public string Topic { get; set; } = DefaultTopic;

    /// <summary>
    /// The partitions the topic is created with (1 to 10,000; default 12): the most consumers of one group that share
    /// the log. A conversation's events always go to one partition.
    /// </summary>
    public int Partitions { get; set; } = DefaultPartitions;

    /// <summary>The replication factor the topic is created with (at least 1; default 3, at most the broker count).</summary>
    public short ReplicationFactor { get; set; } = DefaultReplicationFactor;

    /// <summary>The <c>client.id</c> of the producer and the readers.</summary>
    public string ClientId { get; set; } = KafkaTransportOptions.DefaultClientId;

    /// <summary>How long creating the topic, reading its metadata or reading back events may take (at least 100 ms).</summary>
    public TimeSpan OperationTimeout { get; set; } = KafkaTransportOptions.DefaultOperationTimeout;

    /// <summary>librdkafka producer properties applied over the defaults (see the remarks for the fixed ones).</summary>
    public IDictionary<string, string> ProducerSettings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>librdkafka consumer properties of the readers, applied over the defaults (see the remarks for the fixed ones).</summary>
    public IDictionary<string, string> ConsumerSettings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The options as text, with the values of secret settings redacted.</summary>
    /// <returns>A description safe to log.</returns>
    public override string ToString()
        => $"BootstrapServers={BootstrapServers}, Topic={Topic}, Partitions={Partitions}, ReplicationFactor={ReplicationFactor}, ClientId={ClientId}, OperationTimeout={OperationTimeout}, ProducerSettings={KafkaTransportOptions.Describe(ProducerSettings)}, ConsumerSettings={KafkaTransportOptions.Describe(ConsumerSettings)}";

    // Null when valid, else every problem found.
    internal string? Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(BootstrapServers))
        {
            problems.Add("BootstrapServers is required.");
        }

        if (KafkaNames.ValidateTopic(Topic, nameof(Topic)) is { } topic)
        {
            problems.Add(topic);
        }

        if (Partitions is < 1 or > MaxPartitions)
        {
            problems.Add($"Partitions must be between 1 and {MaxPartitions}.");
        }

        if (ReplicationFactor < 1)
        {
            problems.Add("ReplicationFactor must be at least 1.");
        }

        if (string.IsNullOrWhiteSpace(ClientId))
        {
            problems.Add("ClientId must not be empty.");
        }

        if (OperationTimeout < TimeSpan.FromMilliseconds(100))
        {
            problems.Add("OperationTimeout must be at least 100 ms.");
        }

        KafkaTransportOptions.AddFixed(problems, nameof(ProducerSettings), ProducerSettings, KafkaTransportOptions.FixedProducerSettings);
        KafkaTransportOptions.AddFixed(problems, nameof(ConsumerSettings), ConsumerSettings, KafkaTransportOptions.FixedConsumerSettings);
        return problems.Count == 0 ? null : string.Join(" ", problems);
    }
}
