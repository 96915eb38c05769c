using Confluent.Kafka;
using Messaging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PushWorker;

/// <summary>
/// The consumer group member: reads the event log, hands each event to the <see cref="PushDispatcher"/> and commits
/// the offsets after the push calls (at-least-once). It commits every <see cref="PushWorkerOptions.CommitEvery"/>
/// records and not on stop, so a stop behaves like a crash: the uncommitted records are read again by the next member,
/// and the dispatcher's de-duplication keeps them from being pushed twice.
/// </summary>
public sealed partial class EventLogConsumer(IOptions<PushWorkerOptions> options, PushDispatcher dispatcher, ILogger<EventLogConsumer> logger) : BackgroundService
{
    // How often one event is tried before the worker gives up on it (about half a minute of failures in a row).
    private const int HandlingAttempts = 30;

    private static readonly TimeSpan HandlingRetryDelay = TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
        => Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private async Task Run(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = settings.BootstrapServers,
            GroupId = settings.GroupId,
            ClientId = "push-worker",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            FetchWaitMaxMs = 10,
            SessionTimeoutMs = (int)settings.SessionTimeout.TotalMilliseconds,
            HeartbeatIntervalMs = Math.Max(100, (int)settings.SessionTimeout.TotalMilliseconds / 3),

            // A worker may start before the gateways created the topic: look for it every second, not every 5 minutes.
            TopicMetadataRefreshIntervalMs = 1000,
        }).Build();
        consumer.Subscribe(settings.Topic);
        var uncommitted = 0;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                ConsumeResult<byte[], byte[]>? record;
                try
                {
                    record = consumer.Consume(stoppingToken);
                }
                catch (ConsumeException exception) when (!exception.Error.IsFatal)
                {
                    // The topic the gateways have not created yet (a fresh deployment: it appears with the first
                    // append), a broker going away: librdkafka reports it and keeps looking, so the worker goes on.
                    LogConsumeFailed(logger, exception.Error.Code, exception.Error.Reason);
                    continue;
                }

                if (record?.Message is null)
                {
                    continue;
                }

                LogEvent logEvent;
                try
                {
                    logEvent = EventLogCodec.Decode(record.Message.Value);
                }
                catch (InvalidDataException exception)
                {
                    LogSkipped(logger, record.TopicPartitionOffset.ToString(), exception);
                    continue;
                }

                await HandleAsync(logEvent, record.TopicPartitionOffset.ToString(), stoppingToken).ConfigureAwait(false);
                consumer.StoreOffset(record);
                if (++uncommitted >= settings.CommitEvery)
                {
                    consumer.Commit();
                    uncommitted = 0;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what was not committed is read again by the next member of the group.
        }
        catch (Exception exception)
        {
            // A push or a store that keeps failing (every attempt at one event) stops the worker (and with it the host);
            // the records it did not commit are read again by the group's next member.
            LogStopped(logger, exception);
            throw;
        }
        finally
        {
            consumer.Close();
        }
    }

    // Handles one event, again after a failure (a Redis timeout, a push provider's hiccup) up to HandlingAttempts
    // times, one HandlingRetryDelay apart: the record stays uncommitted meanwhile, and the pushes it already made are in
    // the de-duplication store, so a retry pushes only the rest. The last failure is thrown (and stops the worker).
    private async Task HandleAsync(LogEvent logEvent, string position, CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await dispatcher.HandleAsync(logEvent, stoppingToken).ConfigureAwait(false);
                return;
            }
            catch (Exception exception) when (attempt < HandlingAttempts && !stoppingToken.IsCancellationRequested)
            {
                LogHandlingRetried(logger, position, attempt, exception);
                await Task.Delay(HandlingRetryDelay, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Handling the event log record at {Position} failed (attempt {Attempt}); trying again.")]
    private static partial void LogHandlingRetried(ILogger logger, string position, int attempt, Exception exception);

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "The event log record at {Position} is not a version this worker reads; skipped.")]
    private static partial void LogSkipped(ILogger logger, string position, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Reading the event log failed ({Code}: {Reason}); the worker keeps reading.")]
    private static partial void LogConsumeFailed(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "The push worker stopped: handling an event failed.")]
    private static partial void LogStopped(ILogger logger, Exception exception);
}
