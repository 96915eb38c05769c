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

                await dispatcher.HandleAsync(logEvent, stoppingToken).ConfigureAwait(false);
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
            // A push or a store that keeps failing stops the worker (and with it the host); the records it did not
            // commit are read again by the group's next member.
            LogStopped(logger, exception);
            throw;
        }
        finally
        {
            consumer.Close();
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "The event log record at {Position} is not a version this worker reads; skipped.")]
    private static partial void LogSkipped(ILogger logger, string position, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Reading the event log failed ({Code}: {Reason}); the worker keeps reading.")]
    private static partial void LogConsumeFailed(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "The push worker stopped: handling an event failed.")]
    private static partial void LogStopped(ILogger logger, Exception exception);
}
