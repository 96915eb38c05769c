using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Messaging.Transports.Kafka;

/// <summary>
/// An <see cref="IEventLog"/> on a Kafka topic (<c>messaging.events</c> by default): each event is one record whose key
/// is the conversation id (UTF-8) and whose value is the event in <see cref="EventLogCodec"/>'s JSON schema, produced to
/// the conversation's partition (Kafka's murmur2 of the key, as the Java client's default partitioner computes it).
/// </summary>
/// <remarks>
/// Guarantees: an append completes when every record was acknowledged by all in-sync replicas (<c>acks=all</c>) and
/// throws a <see cref="MessagingBackendException"/> when one was not within <c>message.timeout.ms</c>. The producer is
/// idempotent, so its own retries neither duplicate nor reorder records: one conversation's events are in append order
/// in its partition. An append that failed may have written some records, which the engine appends again (consumers
/// de-duplicate messages by <c>message_id</c>). Positions are offsets in the conversation's partition.
/// </remarks>
public sealed partial class KafkaEventLog : IEventLog, IAsyncDisposable
{
    private readonly KafkaEventLogOptions _options;
    private readonly ILogger _logger;
    private readonly IProducer<byte[], byte[]> _producer;
    private readonly IAdminClient _admin;
    private readonly Lazy<Task<int>> _partitions;
    private int _disposed;

    /// <summary>Creates an event log: loads librdkafka (see the package README) and creates the producer.</summary>
    /// <param name="options">The brokers, topic and tuning; validated here.</param>
    /// <param name="logger">Logs client errors; none when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="MessagingBackendException">librdkafka could not be loaded.</exception>
    public KafkaEventLog(KafkaEventLogOptions options, ILogger<KafkaEventLog>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { } problems)
        {
            throw new ArgumentException("Kafka event log options are invalid: " + problems, nameof(options));
        }

        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        KafkaNativeLibrary.EnsureLoaded();
        _producer = new ProducerBuilder<byte[], byte[]>(KafkaClientSettings.Producer(options))
            .SetErrorHandler((_, error) => LogClientError(_logger, error.Code, error.IsFatal, error.Reason))
            .Build();
        _admin = new DependentAdminClientBuilder(_producer.Handle).Build();
        _partitions = new Lazy<Task<int>>(() => Task.Run(EnsureTopic));
    }

    /// <inheritdoc />
    /// <remarks>Completes when the brokers acknowledged every record (<c>acks=all</c>).</remarks>
    public async ValueTask AppendAsync(IReadOnlyList<LogEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (events.Count == 0)
        {
            return;
        }

        var partitions = await PartitionCountAsync(cancellationToken).ConfigureAwait(false);

        // Produced one after the other in the caller's order before any is awaited: the idempotent producer keeps that
        // order in the partition, also across its retries.
        var acks = new Task<DeliveryResult<byte[], byte[]>>[events.Count];
        try
        {
            for (var i = 0; i < events.Count; i++)
            {
                var logEvent = events[i];
                var key = Encoding.UTF8.GetBytes(logEvent.ConversationId);
                var partition = new TopicPartition(_options.Topic, KafkaNames.EventLogPartition(logEvent.ConversationId, partitions));
                acks[i] = _producer.ProduceAsync(partition, new Message<byte[], byte[]> { Key = key, Value = EventLogCodec.Encode(logEvent) }, CancellationToken.None);
            }

            await Task.WhenAll(acks.Where(a => a is not null)).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (KafkaException exception)
        {
            throw new MessagingBackendException($"The event log did not acknowledge {events.Count} event(s): {exception.Error.Reason}", exception);
        }
    }

    /// <inheritdoc />
    /// <remarks>The high watermark of the conversation's partition.</remarks>
    public async ValueTask<long> GetEndAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        var partition = await PartitionOfAsync(conversationId, cancellationToken).ConfigureAwait(false);
        return await Task.Run(() =>
        {
            using var consumer = new ConsumerBuilder<byte[], byte[]>(KafkaClientSettings.EventLogReader(_options)).Build();
            return Query(consumer, partition).High.Value;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>Reads the conversation's partition from the position on and keeps the records whose key is the conversation.</remarks>
    public async ValueTask<IReadOnlyList<LoggedEvent>> ReadAsync(string conversationId, long afterPosition, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentOutOfRangeException.ThrowIfLessThan(afterPosition, -1);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var partition = await PartitionOfAsync(conversationId, cancellationToken).ConfigureAwait(false);
        return await Task.Run(() => Read(partition, conversationId, afterPosition, limit, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Flushes what the producer holds (up to the operation timeout) and closes the clients.</summary>
    /// <returns>A task that completes when closed.</returns>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        _producer.Flush(_options.OperationTimeout);
        _admin.Dispose();
        _producer.Dispose();
        return ValueTask.CompletedTask;
    }

    private List<LoggedEvent> Read(TopicPartition partition, string conversationId, long afterPosition, int limit, CancellationToken cancellationToken)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(KafkaClientSettings.EventLogReader(_options)).Build();
        var offsets = Query(consumer, partition);
        var (low, high) = (offsets.Low, offsets.High);
        var result = new List<LoggedEvent>();
        var next = Math.Max(afterPosition + 1, low.Value);
        if (next >= high.Value)
        {
            return result;
        }

        var key = Encoding.UTF8.GetBytes(conversationId);
        consumer.Assign(new TopicPartitionOffset(partition, new Offset(next)));
        var deadline = DateTime.UtcNow + _options.OperationTimeout;
        while (next < high.Value && result.Count < limit)
        {
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new MessagingBackendException($"Reading the event log's partition {partition.Partition.Value} timed out at offset {next}.", new TimeoutException());
            }

            var record = consumer.Consume(remaining < TimeSpan.FromMilliseconds(100) ? remaining : TimeSpan.FromMilliseconds(100));
            cancellationToken.ThrowIfCancellationRequested();
            if (record is null || record.IsPartitionEOF)
            {
                continue;
            }

            next = record.Offset.Value + 1;
            if (record.Message.Key is { } recordKey && recordKey.AsSpan().SequenceEqual(key))
            {
                result.Add(new LoggedEvent(record.Offset.Value, EventLogCodec.Decode(record.Message.Value)));
            }
        }

        return result;
    }

    private WatermarkOffsets Query(IConsumer<byte[], byte[]> consumer, TopicPartition partition)
    {
        try
        {
            return consumer.QueryWatermarkOffsets(partition, _options.OperationTimeout);
        }
        catch (KafkaException exception)
        {
            throw new MessagingBackendException($"Reading the offsets of the event log's partition {partition.Partition.Value} failed: {exception.Error.Reason}", exception);
        }
    }

    private async ValueTask<TopicPartition> PartitionOfAsync(string conversationId, CancellationToken cancellationToken)
        => new(_options.Topic, KafkaNames.EventLogPartition(conversationId, await PartitionCountAsync(cancellationToken).ConfigureAwait(false)));

    private async ValueTask<int> PartitionCountAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _partitions.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (KafkaException exception)
        {
            throw new MessagingBackendException($"The event log's topic '{_options.Topic}' is not available: {exception.Error.Reason}", exception);
        }
    }

    // Creates the topic when it does not exist and reads its partition count (an existing topic keeps its own).
    private async Task<int> EnsureTopic()
    {
        try
        {
            await _admin.CreateTopicsAsync(
                [new TopicSpecification { Name = _options.Topic, NumPartitions = _options.Partitions, ReplicationFactor = _options.ReplicationFactor }],
                new CreateTopicsOptions { RequestTimeout = _options.OperationTimeout, OperationTimeout = _options.OperationTimeout }).ConfigureAwait(false);
        }
        catch (CreateTopicsException exception) when (exception.Results.All(r => r.Error.Code is ErrorCode.TopicAlreadyExists))
        {
            // Created before, by this or another node: its partition count is read below.
        }
        catch (KafkaException exception)
        {
            // Automatic creation (on the metadata request below) may still make it; say why the explicit one failed.
            LogTopicCreationFailed(_logger, _options.Topic, exception.Error.Reason);
        }

        var deadline = DateTime.UtcNow + _options.OperationTimeout;
        while (true)
        {
            var topic = _admin.GetMetadata(_options.Topic, _options.OperationTimeout).Topics.FirstOrDefault(t => t.Topic == _options.Topic);
            if (topic is { Error.IsError: false, Partitions.Count: > 0 })
            {
                if (topic.Partitions.Count != _options.Partitions)
                {
                    LogPartitionCountDiffers(_logger, _options.Topic, topic.Partitions.Count, _options.Partitions);
                }

                return topic.Partitions.Count;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new KafkaException(topic?.Error ?? new Error(ErrorCode.UnknownTopicOrPart));
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 1810, Level = LogLevel.Warning, Message = "The Kafka event log producer reported {Code} (fatal: {Fatal}): {Reason}")]
    private static partial void LogClientError(ILogger logger, ErrorCode code, bool fatal, string reason);

    [LoggerMessage(EventId = 1811, Level = LogLevel.Warning, Message = "Creating the event log topic '{Topic}' failed ({Reason}); relying on the brokers' automatic topic creation.")]
    private static partial void LogTopicCreationFailed(ILogger logger, string topic, string reason);

    [LoggerMessage(EventId = 1812, Level = LogLevel.Information, Message = "The event log topic '{Topic}' has {Actual} partitions (the options ask for {Configured} when creating it); events are partitioned by the {Actual}.")]
    private static partial void LogPartitionCountDiffers(ILogger logger, string topic, int actual, int configured);
}
