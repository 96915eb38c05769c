using System.Diagnostics;
using Confluent.Kafka;
using Messaging.LoadGen.Measurement;
using Messaging.LoadGen.Scenarios;
using Messaging.Transports.Kafka;

namespace Messaging.LoadGen.EventLog;

/// <summary>
/// A consumer of the event log's Kafka topic, as a downstream service would read it: every partition assigned at its
/// end once the topic exists (the gateway creates it at its first append), read on its own thread. For each
/// <c>message</c> event it records, while <see cref="Measuring"/> is on, commit → here (now minus the message's
/// timestamp, which the gateway sets when it commits the message) and send → here (the load generator's own send time,
/// carried in the payload).
/// </summary>
/// <remarks>
/// Only messages sent since the measurement started count, each once, as a downstream reader of an at-least-once log
/// counts them: a backlog of the warm-up read while measuring is not the log's rate, and an event the gateway appended
/// again after an append that failed (its retry) is a copy, counted in <see cref="Duplicates"/>.
/// </remarks>
internal sealed class EventLogReader : IDisposable
{
    private static readonly TimeSpan TopicPollInterval = TimeSpan.FromMilliseconds(50);

    private readonly KafkaEventLogOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<int> _assigned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;
    private readonly HashSet<(int Sender, long Number)> _seen = [];
    private long _events;
    private long _duplicates;
    private long _lastLagTicks = long.MaxValue;
    private long _windowStart = long.MaxValue;

    public EventLogReader(string bootstrapServers, string topic)
    {
        _options = new KafkaEventLogOptions { BootstrapServers = bootstrapServers, Topic = topic, ClientId = "messaging-bench" };
        if (_options.Validate() is { } problems)
        {
            throw new ArgumentException("Invalid event log reader settings: " + problems);
        }

        LoadNativeLibrary();
        _thread = new Thread(Consume) { IsBackground = true, Name = "event log reader" };
    }

    /// <summary>
    /// Loads librdkafka with the loader the gateways use, so the reader runs in the build that loads on this system;
    /// returns its path (<see langword="null"/> where Confluent.Kafka's own loading is used).
    /// </summary>
    public static string? LoadNativeLibrary() => KafkaNativeLibrary.EnsureLoaded();

    /// <summary>Commit → this reader, recorded only while measuring.</summary>
    public LatencyRecorder CommitToLog { get; } = new();

    /// <summary>Send (the load generator's clock) → this reader, recorded only while measuring.</summary>
    public LatencyRecorder SendToLog { get; } = new();

    /// <summary>Every event read (any type), measuring or not.</summary>
    public long Events => Interlocked.Read(ref _events);

    /// <summary>Copies of a message sent while measuring that were read again after its first (not recorded).</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>
    /// Commit → this reader of the last <c>message</c> event read (whether measuring or not): how far behind the commits
    /// the log is; <see cref="TimeSpan.MaxValue"/> before the first.
    /// </summary>
    public TimeSpan LastLag => Interlocked.Read(ref _lastLagTicks) is var ticks && ticks == long.MaxValue ? TimeSpan.MaxValue : TimeSpan.FromTicks(ticks);

    /// <summary>Completes with the partition count once every partition is assigned at its end.</summary>
    public Task<int> Assigned => _assigned.Task;

    /// <summary>
    /// Turns recording on or off for both recorders; turned on, it also starts the window of send times that count.
    /// </summary>
    public bool Measuring
    {
        set
        {
            if (value)
            {
                Interlocked.Exchange(ref _windowStart, Stopwatch.GetTimestamp());
            }

            CommitToLog.Measuring = value;
            SendToLog.Measuring = value;
        }
    }

    public void Start() => _thread.Start();

    public void Dispose()
    {
        _stop.Cancel();
        if (_thread.IsAlive)
        {
            _thread.Join();
        }

        _stop.Dispose();
    }

    private void Consume()
    {
        var token = _stop.Token;
        try
        {
            using var consumer = new ConsumerBuilder<byte[], byte[]>(KafkaClientSettings.EventLogReader(_options)).Build();
            using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
            var partitions = WaitForTopic(admin, token);
            consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(_options.Topic, p, Offset.End)));
            _assigned.TrySetResult(partitions);
            while (!token.IsCancellationRequested)
            {
                var record = consumer.Consume(token);
                if (record is null || record.IsPartitionEOF)
                {
                    continue;
                }

                Interlocked.Increment(ref _events);
                if (EventLogCodec.Decode(record.Message.Value) is MessageLogEvent { Message: var message })
                {
                    var commitToLog = DateTimeOffset.UtcNow - message.Timestamp;
                    Interlocked.Exchange(ref _lastLagTicks, Math.Max(0, commitToLog.Ticks));
                    if (Payload.TryRead(message.Content, out var sent, out var sender, out var number)
                        && sent >= Interlocked.Read(ref _windowStart)
                        && CommitToLog.Measuring)
                    {
                        if (!_seen.Add((sender, number)))
                        {
                            Interlocked.Increment(ref _duplicates);
                            continue;
                        }

                        CommitToLog.Record(Stopwatch.GetTimestamp() - (long)(commitToLog.TotalSeconds * Stopwatch.Frequency));
                        SendToLog.Record(sent);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped.
        }
        catch (Exception exception)
        {
            _assigned.TrySetException(exception);
        }
        finally
        {
            _assigned.TrySetCanceled(CancellationToken.None);
        }
    }

    // The gateway creates the topic at its first append: ask for it until it has partitions.
    private int WaitForTopic(IAdminClient admin, CancellationToken token)
    {
        while (true)
        {
            token.ThrowIfCancellationRequested();
            var topic = admin.GetMetadata(_options.Topic, _options.OperationTimeout).Topics.FirstOrDefault(t => t.Topic == _options.Topic);
            if (topic is { Error.IsError: false, Partitions.Count: > 0 })
            {
                return topic.Partitions.Count;
            }

            token.WaitHandle.WaitOne(TopicPollInterval);
        }
    }
}
