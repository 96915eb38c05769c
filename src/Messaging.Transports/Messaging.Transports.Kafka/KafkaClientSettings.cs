using System.Globalization;
using Confluent.Kafka;

namespace Messaging.Transports.Kafka;

/// <summary>
/// The librdkafka configuration of the backplane's producer and consumers: the defaults (each with its reason), then
/// the host's pass-through settings, then the settings the guarantees rest on, which nothing overrides.
/// </summary>
internal static class KafkaClientSettings
{
    /// <summary>The producer's local queue limit; <see cref="KafkaTransportOptions.MaxInFlight"/> stays below it.</summary>
    public const int MaxQueuedMessages = 100_000;

    /// <summary>The producer configuration of the backplane.</summary>
    /// <remarks>
    /// <c>linger.ms=0</c>: the engine publishes to a node one payload at a time and sends what queued meanwhile as one
    /// batch payload next (its node outbox), so a backplane record never has another record of its partition to wait
    /// for; lingering would only add the wait to every hop, and one more wake-up of librdkafka's broker thread per record
    /// (records for several nodes that are produced together still share a request: librdkafka sends what is queued
    /// when its thread gets to it).
    /// </remarks>
    public static ProducerConfig Producer(KafkaTransportOptions options)
        => Producer(options.BootstrapServers!, options.ClientId, options.ProducerSettings, lingerMs: 0);

    /// <summary>The configuration of the event log's producer: the backplane's durability, <c>linger.ms=1</c>.</summary>
    /// <remarks>
    /// Appends are many concurrent small records, several per partition: waiting at most 1 ms lets them share a request
    /// (librdkafka's 5 ms default would add up to 5 ms to every append).
    /// </remarks>
    public static ProducerConfig Producer(KafkaEventLogOptions options)
        => Producer(options.BootstrapServers!, options.ClientId, options.ProducerSettings, lingerMs: 1);

    /// <summary>The configuration of a consumer that reads the event log by assignment (no group membership, no commits).</summary>
    public static ConsumerConfig EventLogReader(KafkaEventLogOptions options)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["client.id"] = options.ClientId,
            ["fetch.wait.max.ms"] = "10",
            ["fetch.min.bytes"] = "1",
            ["socket.nagle.disable"] = "true",
            ["auto.offset.reset"] = "earliest",
            ["dotnet.cancellation.delay.max.ms"] = "10",
        };
        Apply(settings, options.ConsumerSettings);
        settings["bootstrap.servers"] = options.BootstrapServers!;
        settings["group.id"] = KafkaNames.EventLogReaderGroup(options.Topic);
        settings["enable.auto.commit"] = "false";
        settings["enable.auto.offset.store"] = "false";
        return new ConsumerConfig(settings);
    }

    private static ProducerConfig Producer(string bootstrapServers, string clientId, IDictionary<string, string> overrides, int lingerMs)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["client.id"] = clientId,

            // How long a record waits for others to share its request (see the callers).
            ["linger.ms"] = lingerMs.ToString(CultureInfo.InvariantCulture),

            // Small frames must not wait for Nagle's algorithm.
            ["socket.nagle.disable"] = "true",

            // A publish fails after 30 s without an acknowledgement instead of librdkafka's 5 minutes: the engine's
            // gap filling and catch-up recover a lost envelope long before a client would wait that long.
            ["message.timeout.ms"] = "30000",

            // The in-flight window (MaxInFlight) bounds what the transport hands to librdkafka; this is librdkafka's own cap.
            ["queue.buffering.max.messages"] = MaxQueuedMessages.ToString(CultureInfo.InvariantCulture),

            // Back on a restarted broker within a second, not after librdkafka's 10 s maximum back-off.
            ["reconnect.backoff.max.ms"] = "1000",
        };
        Apply(settings, overrides);
        settings["bootstrap.servers"] = bootstrapServers;

        // Ordered per partition across retries without duplicates, and acknowledged only once every in-sync replica
        // has the record: what the transport's ordering and "acknowledged means kept" rest on.
        settings["enable.idempotence"] = "true";
        settings["acks"] = "all";
        return new ProducerConfig(settings);
    }

    /// <summary>The configuration of a consumer of one node's inbox (or of its position).</summary>
    public static ConsumerConfig Consumer(KafkaTransportOptions options, string nodeId)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["client.id"] = options.ClientId,

            // A broker answers a fetch as soon as fetch.min.bytes (1) arrived, so the wait only bounds an idle poll.
            // 10 ms (instead of 500 ms) keeps latency low also on brokers that answer only when the wait ends (the
            // test cluster does), at the cost of about 100 small idle fetches a second per open inbox.
            ["fetch.wait.max.ms"] = "10",
            ["fetch.min.bytes"] = "1",

            // After a failed fetch try again within 50 ms, not librdkafka's 500 ms: a chat hop waits on it.
            ["fetch.error.backoff.ms"] = "50",
            ["socket.nagle.disable"] = "true",
            ["reconnect.backoff.max.ms"] = "1000",

            // A position whose records retention removed restarts at the oldest retained record (catch-up covers the rest).
            ["auto.offset.reset"] = "earliest",
            ["allow.auto.create.topics"] = "true",
        };
        Apply(settings, options.ConsumerSettings);
        settings["bootstrap.servers"] = options.BootstrapServers!;

        // How often the inbox's blocking consume call looks at its cancellation (a Confluent.Kafka setting): closing
        // an inbox waits up to this long, and an idle inbox wakes this often (cheap: no request is sent).
        settings["dotnet.cancellation.delay.max.ms"] = "10";
        settings["group.id"] = KafkaNames.NodeGroup(options.TopicPrefix, nodeId);

        // Positions are committed only through IPositionedTransport.CommitAsync, never behind the engine's back.
        settings["enable.auto.commit"] = "false";
        settings["enable.auto.offset.store"] = "false";
        return new ConsumerConfig(settings);
    }

    private static void Apply(Dictionary<string, string> settings, IDictionary<string, string> overrides)
    {
        foreach (var (name, value) in overrides)
        {
            settings[name] = value;
        }
    }
}
