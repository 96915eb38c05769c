namespace Messaging.Transports.Kafka;

/// <summary>Options of the Kafka backplane (<see cref="KafkaMessageTransport"/>).</summary>
/// <remarks>
/// <para>
/// <see cref="BootstrapServers"/> is required; everything else has a default tuned for chat latency (see the package
/// README for each setting and why). Validated when the host starts.
/// </para>
/// <para>
/// <see cref="ProducerSettings"/> and <see cref="ConsumerSettings"/> pass librdkafka properties through (security,
/// SASL, timeouts); they are applied over the defaults, except the settings the transport's guarantees rest on:
/// <c>enable.idempotence</c>, <c>acks</c>, <c>enable.auto.commit</c> and <c>enable.auto.offset.store</c> are fixed, and
/// setting them is a validation error.
/// </para>
/// </remarks>
public sealed class KafkaTransportOptions
{
    /// <summary>The default of <see cref="TopicPrefix"/>.</summary>
    public const string DefaultTopicPrefix = KafkaNames.DefaultPrefix;

    /// <summary>The default of <see cref="ClientId"/>.</summary>
    public const string DefaultClientId = "messaging";

    /// <summary>The default of <see cref="MaxInFlight"/>.</summary>
    public const int DefaultMaxInFlight = 10_000;

    /// <summary>The default of <see cref="InboxQueueCapacity"/>.</summary>
    public const int DefaultInboxQueueCapacity = 10_000;

    /// <summary>The default of <see cref="OperationTimeout"/>.</summary>
    public static readonly TimeSpan DefaultOperationTimeout = TimeSpan.FromSeconds(10);

    // The settings the guarantees rest on: never taken from the pass-through dictionaries.
    internal static readonly string[] FixedProducerSettings = ["enable.idempotence", "acks", "request.required.acks", "bootstrap.servers"];
    internal static readonly string[] FixedConsumerSettings = ["enable.auto.commit", "enable.auto.offset.store", "group.id", "bootstrap.servers"];

    // Names of settings whose values are secrets, redacted by ToString.
    private static readonly string[] SecretMarkers = ["password", "secret", "key", "token", "jaas"];

    /// <summary>The Kafka brokers to bootstrap from, comma-separated <c>host:port</c> pairs (required).</summary>
    public string? BootstrapServers { get; set; }

    /// <summary>
    /// The prefix of the per-node inbox topics and position groups (ASCII letters, digits, <c>.</c> and <c>-</c>);
    /// gateways that share a backplane use the same prefix.
    /// </summary>
    public string TopicPrefix { get; set; } = DefaultTopicPrefix;

    /// <summary>The <c>client.id</c> of the producer and the consumers (appears in broker logs and quotas).</summary>
    public string ClientId { get; set; } = DefaultClientId;

    /// <summary>
    /// How many produced messages (one per target node of a publish) may await the brokers' acknowledgement at once;
    /// a publish beyond it waits for room (back-pressure) instead of buffering without bound. At least 1, at most
    /// 100,000.
    /// </summary>
    public int MaxInFlight { get; set; } = DefaultMaxInFlight;

    /// <summary>
    /// How many fetched payloads each open inbox holds ahead of its handler; when full the inbox stops fetching until
    /// the handler catches up (nothing is dropped: the payloads stay in Kafka). At least 1.
    /// </summary>
    public int InboxQueueCapacity { get; set; } = DefaultInboxQueueCapacity;

    /// <summary>
    /// How long opening an inbox or reading and committing a position may take (metadata, offsets) before it fails
    /// (at least 100 ms).
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = DefaultOperationTimeout;

    /// <summary>librdkafka producer properties applied over the defaults (see the remarks for the fixed ones).</summary>
    public IDictionary<string, string> ProducerSettings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>librdkafka consumer properties applied over the defaults (see the remarks for the fixed ones).</summary>
    public IDictionary<string, string> ConsumerSettings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The options as text, with the values of secret settings (passwords, keys, tokens) redacted.</summary>
    /// <returns>A description safe to log.</returns>
    public override string ToString()
        => $"BootstrapServers={BootstrapServers}, TopicPrefix={TopicPrefix}, ClientId={ClientId}, MaxInFlight={MaxInFlight}, InboxQueueCapacity={InboxQueueCapacity}, OperationTimeout={OperationTimeout}, ProducerSettings={Describe(ProducerSettings)}, ConsumerSettings={Describe(ConsumerSettings)}";

    // Null when valid, else every problem found.
    internal string? Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(BootstrapServers))
        {
            problems.Add("BootstrapServers is required.");
        }

        if (KafkaNames.ValidatePrefix(TopicPrefix) is { } prefix)
        {
            problems.Add(prefix);
        }

        if (string.IsNullOrWhiteSpace(ClientId))
        {
            problems.Add("ClientId must not be empty.");
        }

        if (MaxInFlight is < 1 or > KafkaClientSettings.MaxQueuedMessages)
        {
            problems.Add($"MaxInFlight must be between 1 and {KafkaClientSettings.MaxQueuedMessages}.");
        }

        if (InboxQueueCapacity < 1)
        {
            problems.Add("InboxQueueCapacity must be at least 1.");
        }

        if (OperationTimeout < TimeSpan.FromMilliseconds(100))
        {
            problems.Add("OperationTimeout must be at least 100 ms.");
        }

        AddFixed(problems, nameof(ProducerSettings), ProducerSettings, FixedProducerSettings);
        AddFixed(problems, nameof(ConsumerSettings), ConsumerSettings, FixedConsumerSettings);
        return problems.Count == 0 ? null : string.Join(" ", problems);
    }

    internal static void AddFixed(List<string> problems, string property, IDictionary<string, string> settings, string[] fixedNames)
    {
        foreach (var name in settings.Keys)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                problems.Add($"{property} contains an empty setting name.");
            }
            else if (fixedNames.Contains(name, StringComparer.Ordinal))
            {
                problems.Add($"{property} must not set '{name}': the transport fixes it (set BootstrapServers for the brokers).");
            }
        }
    }

    internal static string Describe(IDictionary<string, string> settings)
        => "{" + string.Join(", ", settings.Select(s => s.Key + "=" + (SecretMarkers.Any(m => s.Key.Contains(m, StringComparison.OrdinalIgnoreCase)) ? "***" : s.Value))) + "}";
}
