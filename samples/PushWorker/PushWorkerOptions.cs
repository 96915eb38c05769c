namespace PushWorker;

/// <summary>Where the push worker reads the event log and how it commits and de-duplicates (bound from <c>PushWorker</c>).</summary>
public sealed class PushWorkerOptions
{
    /// <summary>The Kafka brokers (from <c>Messaging:Kafka</c> when not set here).</summary>
    public string? BootstrapServers { get; set; }

    /// <summary>The event log topic (the gateways' <c>KafkaEventLogOptions.Topic</c>).</summary>
    public string Topic { get; set; } = "messaging.events";

    /// <summary>The consumer group: every worker of one deployment uses the same, so they share the partitions.</summary>
    public string GroupId { get; set; } = "messaging.push-worker";

    /// <summary>
    /// How many records the worker handles before it commits their offsets (default 1: after every record's push
    /// calls). A larger value commits less often; a crash then reads up to that many records again.
    /// </summary>
    public int CommitEvery { get; set; } = 1;

    /// <summary>
    /// How long the group waits for a silent member before it hands that member's partitions to the others (default
    /// 10 s): the longest a crashed worker delays the pushes of its partitions.
    /// </summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a pushed message id is remembered, so a record read again is not pushed again (default 1 day).</summary>
    public TimeSpan DeduplicationWindow { get; set; } = TimeSpan.FromDays(1);
}
