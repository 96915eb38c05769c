using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Messaging.Transports.Kafka;

/// <summary>
/// An <see cref="IMessageTransport"/> over Kafka: each node's inbox is partition 0 of its own topic
/// (<c>messaging.node.&lt;nodeId&gt;</c>), a publish produces the payload (encoded once by the engine) to the topic of
/// every target node, and each node consumes only its own topic. The transport never parses the payloads.
/// </summary>
/// <remarks>
/// <para>
/// Guarantees: a publish completes when every target's record was acknowledged by all in-sync replicas
/// (<c>acks=all</c>) and faults with a <see cref="MessagingBackendException"/> when one was not within
/// <c>message.timeout.ms</c>. The producer is idempotent, so its retries (after request errors, a broker restart or a
/// leader change) neither duplicate nor reorder records: payloads are in publish order per (publisher, inbox). An
/// inbox's handler is called one payload at a time, in offset order; a handler that throws is logged and the next
/// payload is delivered; once an inbox's <see cref="IAsyncDisposable.DisposeAsync"/> completes its handler is not
/// called again.
/// </para>
/// <para>
/// Positions (<see cref="IPositionedTransport"/>) are the partition's offsets. A node's committed position is the
/// committed offset of its own consumer group (<c>messaging.node.&lt;nodeId&gt;</c>) minus one, so a restarted node
/// resumes after it with every record the topic's retention kept. Commits only move forward within one transport
/// instance (a node commits only its own inbox).
/// </para>
/// <para>
/// Back-pressure: at most <see cref="KafkaTransportOptions.MaxInFlight"/> produced messages await acknowledgement; a
/// publish beyond that waits for room. An inbox fetches at most <see cref="KafkaTransportOptions.InboxQueueCapacity"/>
/// payloads ahead of its handler; a slow handler pauses fetching, nothing is dropped.
/// </para>
/// <para>
/// Topics are created by the brokers' automatic topic creation when first used (a metadata request of the producer);
/// with automatic creation off, create each node's topic before the node starts. Only partition 0 is written and read,
/// whatever the number of partitions a topic was created with.
/// </para>
/// </remarks>
public sealed partial class KafkaMessageTransport : IMessageTransport, IPositionedTransport, IAsyncDisposable
{
    // How often opening an inbox asks whether its topic exists yet.
    private static readonly TimeSpan TopicPollInterval = TimeSpan.FromMilliseconds(50);

    private readonly KafkaTransportOptions _options;
    private readonly ILogger _logger;
    private readonly IProducer<Null, byte[]> _producer;
    private readonly IAdminClient _admin;
    private readonly PublishWindow _window;
    private readonly ConcurrentDictionary<string, Lazy<Task>> _topics = new(StringComparer.Ordinal);

    // Node id -> topic name: a publish names its targets' topics without encoding them again (node ids are few).
    private readonly ConcurrentDictionary<string, string> _topicNames = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _commits = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<KafkaInbox, byte> _inboxes = new();
    private int _disposed;

    /// <summary>Creates a transport: loads librdkafka (see the package README) and creates the producer.</summary>
    /// <param name="options">The brokers, names and tuning; validated here.</param>
    /// <param name="logger">Logs client errors, handler failures and librdkafka's own log; none when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="MessagingBackendException">librdkafka could not be loaded.</exception>
    public KafkaMessageTransport(KafkaTransportOptions options, ILogger<KafkaMessageTransport>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { } problems)
        {
            throw new ArgumentException("Kafka transport options are invalid: " + problems, nameof(options));
        }

        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        if (KafkaNativeLibrary.EnsureLoaded() is { } loaded)
        {
            LogNativeLibraryLoaded(_logger, loaded);
        }

        _window = new PublishWindow(options.MaxInFlight);
        _producer = new ProducerBuilder<Null, byte[]>(KafkaClientSettings.Producer(options))
            .SetErrorHandler((_, error) => LogClientError(_logger, "producer", error.Code, error.IsFatal, error.Reason))
            .SetLogHandler((_, message) => LogLibrdkafka(_logger, message.Facility, message.Message))
            .Build();
        _admin = new DependentAdminClientBuilder(_producer.Handle).Build();
    }

    /// <inheritdoc />
    /// <remarks>
    /// Completes when the brokers acknowledged the record of every target node (<c>acks=all</c>); waits first when the
    /// in-flight window is full.
    /// </remarks>
    public async ValueTask PublishAsync(IReadOnlyCollection<string> nodeIds, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nodeIds);
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (nodeIds.Count == 0)
        {
            return;
        }

        // librdkafka copies the value into its own buffer before Produce returns, so one array serves every target, and
        // the caller's own array when the payload is all of one (the engine's encoded envelopes are).
        var value = MemoryMarshal.TryGetArray(payload, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length ? segment.Array : payload.ToArray();
        var message = new Message<Null, byte[]> { Value = value };
        var slots = await _window.EnterAsync(nodeIds.Count, cancellationToken).ConfigureAwait(false);
        var batch = new PublishBatch(_window, nodeIds.Count, slots);
        var produced = 0;
        try
        {
            foreach (var nodeId in nodeIds)
            {
                // Counted before the hand-off: its delivery report may run on librdkafka's thread before Produce returns.
                _window.Handed();
                _producer.Produce(new TopicPartition(Topic(nodeId), KafkaNames.InboxPartition), message, batch.Report);
                produced++;
            }
        }
        catch (KafkaException exception)
        {
            _window.Reported();
            batch.NotProduced(nodeIds.Count - produced, exception.Error);
        }
        finally
        {
            _window.ExitTurn();
        }

        try
        {
            await batch.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (MessagingBackendException exception)
        {
            LogPublishFailed(_logger, nodeIds.Count, exception);
            throw;
        }
    }

    /// <inheritdoc />
    /// <remarks>Completes once the inbox reads from the partition's current end, so every later publish reaches it.</remarks>
    public async ValueTask<IAsyncDisposable> OpenInboxAsync(string nodeId, InboxHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return await OpenAsync(nodeId, afterPosition: null, live: true, (_, payload, token) => handler(payload, token), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IAsyncDisposable> OpenInboxAfterAsync(string nodeId, long? afterPosition, PositionedInboxHandler handler, CancellationToken cancellationToken = default)
    {
        if (afterPosition is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(afterPosition), afterPosition, "A position is never negative.");
        }

        return await OpenAsync(nodeId, afterPosition, live: false, handler, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask CommitAsync(string nodeId, long position, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var gate = _commits.GetOrAdd(nodeId, static _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Read, compare and write under the node's gate: a lower position than the committed one is ignored.
            var committed = await GetCommittedCoreAsync(nodeId, cancellationToken).ConfigureAwait(false);
            if (committed >= position)
            {
                return;
            }

            var partition = new TopicPartitionOffset(Topic(nodeId), KafkaNames.InboxPartition, position + 1);
            await Guard(_admin.AlterConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitionOffsets(Group(nodeId), [partition])], new AlterConsumerGroupOffsetsOptions { RequestTimeout = _options.OperationTimeout }), "Committing the node's position on the Kafka backplane failed.", cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<long?> GetCommittedAsync(string nodeId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return await GetCommittedCoreAsync(nodeId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes every inbox and the producer (waiting up to the operation timeout for unacknowledged records).</summary>
    /// <returns>A task that completes when no handler runs any more.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var inbox in _inboxes.Keys)
        {
            await inbox.DisposeAsync().ConfigureAwait(false);
        }

        await Task.Run(() =>
        {
            _producer.Flush(_options.OperationTimeout);
            _admin.Dispose();
            _producer.Dispose();
        }).ConfigureAwait(false);
        _window.Dispose();
        foreach (var gate in _commits.Values)
        {
            gate.Dispose();
        }
    }

    // How many records librdkafka holds without a delivery report (tests observe the window with it).
    internal int UnacknowledgedRecords => _window.Unreported;

    internal void Remove(KafkaInbox inbox) => _inboxes.TryRemove(inbox, out _);

    internal void LogHandlerFailed(string nodeId, Exception exception) => LogHandlerFailed(_logger, nodeId, exception);

    internal void LogConsumeFailed(string nodeId, KafkaException exception) => LogConsumeFailed(_logger, nodeId, exception.Error.Code, exception);

    internal void LogInboxStopped(string nodeId, Exception exception) => LogInboxStopped(_logger, nodeId, exception);

    private static async Task Guard(Task operation, string failure, CancellationToken cancellationToken)
    {
        try
        {
            await operation.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (KafkaException exception)
        {
            throw new MessagingBackendException(failure, exception);
        }
    }

    private string Topic(string nodeId) => _topicNames.GetOrAdd(nodeId, static (id, prefix) => KafkaNames.NodeTopic(prefix, id), _options.TopicPrefix);

    private string Group(string nodeId) => KafkaNames.NodeGroup(_options.TopicPrefix, nodeId);

    private async ValueTask<IAsyncDisposable> OpenAsync(string nodeId, long? afterPosition, bool live, PositionedInboxHandler handler, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        ArgumentNullException.ThrowIfNull(handler);
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var topic = Topic(nodeId);
        await EnsureTopicAsync(topic, cancellationToken).ConfigureAwait(false);

        var consumer = new ConsumerBuilder<Ignore, byte[]>(KafkaClientSettings.Consumer(_options, nodeId))
            .SetErrorHandler((_, error) => LogClientError(_logger, "consumer of " + nodeId, error.Code, error.IsFatal, error.Reason))
            .SetLogHandler((_, message) => LogLibrdkafka(_logger, message.Facility, message.Message))
            .Build();
        try
        {
            // Live: the partition's end now, so exactly the records published after this call are delivered. From
            // the start: the oldest retained record. Both as explicit offsets, which the consumer fetches at once
            // (a logical one, such as Offset.Beginning, costs it a reset round of its own first).
            Offset start;
            if (afterPosition is { } after)
            {
                start = new Offset(after + 1);
            }
            else
            {
                var partition = new TopicPartition(topic, KafkaNames.InboxPartition);
                var timeout = _options.OperationTimeout;
                var marks = await Task.Run(() => consumer.QueryWatermarkOffsets(partition, timeout), cancellationToken).ConfigureAwait(false);
                start = live ? marks.High : marks.Low;
            }

            var inbox = new KafkaInbox(this, nodeId, consumer, handler, _options.InboxQueueCapacity);
            _inboxes.TryAdd(inbox, 0);
            inbox.Start(topic, start);
            return inbox;
        }
        catch (KafkaException exception)
        {
            consumer.Dispose();
            throw new MessagingBackendException("Opening the node's inbox on the Kafka backplane failed.", exception);
        }
        catch
        {
            consumer.Dispose();
            throw;
        }
    }

    // Asks for the topic's metadata through the producer, whose metadata requests let the brokers create it, until
    // partition 0 has a leader (once per topic and transport; a failure is forgotten, so the next open asks again).
    private async Task EnsureTopicAsync(string topic, CancellationToken cancellationToken)
    {
        var ensured = _topics.GetOrAdd(topic, name => new Lazy<Task>(() => WaitForTopicAsync(name)));
        try
        {
            await ensured.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (MessagingBackendException)
        {
            _topics.TryRemove(new KeyValuePair<string, Lazy<Task>>(topic, ensured));
            throw;
        }
    }

    private async Task WaitForTopicAsync(string topic)
    {
        var timeout = _options.OperationTimeout;
        var deadline = DateTime.UtcNow + timeout;
        var last = ErrorCode.NoError;
        KafkaException? failure = null;
        while (true)
        {
            try
            {
                // librdkafka's metadata call blocks: off the caller's thread.
                var metadata = await Task.Run(() => _admin.GetMetadata(topic, timeout)).ConfigureAwait(false);
                var found = metadata.Topics.Find(t => t.Topic == topic);
                last = found?.Error.Code ?? ErrorCode.UnknownTopicOrPart;
                if (last == ErrorCode.NoError && found!.Partitions.Exists(p => p.PartitionId == KafkaNames.InboxPartition && p.Leader >= 0))
                {
                    return;
                }
            }
            catch (KafkaException exception)
            {
                failure = exception;
                last = exception.Error.Code;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new MessagingBackendException(
                    $"The Kafka topic '{topic}' is not available ({last}); enable automatic topic creation on the brokers or create it before the node starts.",
                    failure ?? new KafkaException(last));
            }

            // The brokers create the topic after the first request; asking again soon is cheap.
            await Task.Delay(TopicPollInterval).ConfigureAwait(false);
        }
    }

    private async Task<long?> GetCommittedCoreAsync(string nodeId, CancellationToken cancellationToken)
    {
        var topic = Topic(nodeId);
        await EnsureTopicAsync(topic, cancellationToken).ConfigureAwait(false);
        var request = new ConsumerGroupTopicPartitions(Group(nodeId), [new TopicPartition(topic, KafkaNames.InboxPartition)]);
        var listing = _admin.ListConsumerGroupOffsetsAsync([request], new ListConsumerGroupOffsetsOptions { RequestTimeout = _options.OperationTimeout });
        await Guard(listing, "Reading the node's position from the Kafka backplane failed.", cancellationToken).ConfigureAwait(false);
        var offset = listing.Result[0].Partitions.Find(p => p.Partition.Value == KafkaNames.InboxPartition)?.Offset ?? Offset.Unset;
        return offset.IsSpecial || offset.Value <= 0 ? null : offset.Value - 1;
    }

    [LoggerMessage(EventId = 1800, Level = LogLevel.Information, Message = "librdkafka was loaded from '{Path}'.")]
    private static partial void LogNativeLibraryLoaded(ILogger logger, string path);

    [LoggerMessage(EventId = 1801, Level = LogLevel.Warning, Message = "The inbox handler of node '{NodeId}' failed to handle a payload; delivery continues.")]
    private static partial void LogHandlerFailed(ILogger logger, string nodeId, Exception exception);

    [LoggerMessage(EventId = 1802, Level = LogLevel.Warning, Message = "Reading the Kafka inbox of node '{NodeId}' failed ({Code}); the inbox goes on.")]
    private static partial void LogConsumeFailed(ILogger logger, string nodeId, ErrorCode code, Exception exception);

    [LoggerMessage(EventId = 1803, Level = LogLevel.Warning, Message = "The Kafka {Client} reported {Code} (fatal: {Fatal}): {Reason}")]
    private static partial void LogClientError(ILogger logger, string client, ErrorCode code, bool fatal, string reason);

    [LoggerMessage(EventId = 1804, Level = LogLevel.Warning, Message = "A publish to {Targets} node(s) was not acknowledged by the Kafka brokers.")]
    private static partial void LogPublishFailed(ILogger logger, int targets, Exception exception);

    [LoggerMessage(EventId = 1806, Level = LogLevel.Error, Message = "The Kafka inbox of node '{NodeId}' stopped reading; payloads wait in Kafka until the inbox is opened again.")]
    private static partial void LogInboxStopped(ILogger logger, string nodeId, Exception exception);

    [LoggerMessage(EventId = 1805, Level = LogLevel.Debug, Message = "librdkafka {Facility}: {Message}")]
    private static partial void LogLibrdkafka(ILogger logger, string facility, string message);
}
