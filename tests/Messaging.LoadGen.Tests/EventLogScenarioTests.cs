using System.Diagnostics;
using Confluent.Kafka;
using Messaging.LoadGen.Cli;
using Messaging.LoadGen.EventLog;
using Messaging.Testing.Kafka;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.LoadGen.Tests;

/// <summary>
/// The <c>event-log</c> scenario against an in-process gateway appending to a Kafka event log on librdkafka's mock
/// cluster (3 brokers on loopback): the reader in the load generator sees the messages committed while measuring.
/// </summary>
public sealed class EventLogScenarioTests
{
    [Fact]
    public async Task Event_log_scenario_reads_the_messages_committed_while_measuring_from_the_topic()
    {
        var library = EventLogReader.LoadNativeLibrary()
            ?? throw new InvalidOperationException("librdkafka was not loaded by the messaging loader; the mock cluster needs its path.");
        using var cluster = KafkaMockCluster.Start(library, brokers: 3);
        var topic = "bench.events." + Guid.NewGuid().ToString("N")[..8];

        // Created up front as the Kafka event log tests do: the mock cluster does not answer the gateway's own CreateTopics.
        cluster.CreateTopic(topic, partitions: 4, replicationFactor: 3);
        await using var server = await LoadGeneratorSmokeTests.StartServerAsync(services => services.AddMessaging().UseKafkaEventLog(o =>
        {
            o.BootstrapServers = cluster.BootstrapServers;
            o.Topic = topic;
            o.Partitions = 4;
        }));
        var options = LoadGenOptions.Parse(
        [
            "--server", server.BaseUri.ToString(), "--scenario", "event-log", "--target", "ours", "--kafka", cluster.BootstrapServers,
            "--topic", topic, "--rate", "100", "--pairs", "2", "--warmup", "0.5", "--warmup-unchecked", "0.5", "--duration", "1.5",
        ]);

        var result = await LoadRunner.RunAsync(options, TestContext.Current.CancellationToken);

        Assert.Null(result.Error);
        Assert.Null(result.Rejected);
        Assert.Equal(0, result.Undelivered);
        var log = Assert.IsType<Measurement.EventLogUsage>(result.EventLog);
        Assert.Equal(4, log.Partitions);

        // The reader counts each message sent while measuring once (a backlog of the warm-up and copies of a retried
        // append do not count); the window is the deliveries' window, so the counts differ by at most the messages in
        // flight at its two edges (100/s: a few).
        Assert.InRange(log.Messages, Math.Max(1, (result.Delivered ?? 0) - 20), (result.Delivered ?? 0) + 20);
        Assert.InRange(log.Duplicates, 0, log.Messages);
        Assert.Equal(log.Messages, log.CommitToLogMs.Count);
        Assert.Equal(log.Messages, log.SendToLogMs.Count);
        Assert.True(log.SendToLogMs.P50 > 0, "Reaching the log after the send takes some time.");
        Assert.True(log.CaughtUp, "The log kept up with 100 messages a second.");
        Assert.Contains("\"event_log\":{\"partitions\":4,\"caught_up\":true,", result.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reader_counts_each_message_sent_while_measuring_once()
    {
        var library = EventLogReader.LoadNativeLibrary()
            ?? throw new InvalidOperationException("librdkafka was not loaded by the messaging loader; the mock cluster needs its path.");
        using var cluster = KafkaMockCluster.Start(library, brokers: 1);
        const string topic = "bench.events.reader";
        cluster.CreateTopic(topic, partitions: 1, replicationFactor: 1);
        using var reader = new EventLogReader(cluster.BootstrapServers, topic);
        reader.Start();
        Assert.Equal(1, await reader.Assigned.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        var before = Stopwatch.GetTimestamp();
        reader.Measuring = true;
        var now = Stopwatch.GetTimestamp();

        // Sent before the window (a backlog of the warm-up), sent in it, the same again (an append the gateway
        // retried), and another sent in it: two messages count, one copy.
        using var producer = new ProducerBuilder<byte[]?, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        foreach (var (sent, number) in new[] { (before - Stopwatch.Frequency, 0L), (now, 1), (now, 1), (now, 2) })
        {
            var message = new Message
            {
                ConversationId = "c1",
                Seq = number + 1,
                MessageId = "m" + number,
                SenderId = "a",
                ClientMsgId = "k" + number,
                Content = Scenarios.Payload.Create(sent, 0, number, 32),
                Timestamp = DateTimeOffset.UtcNow,
            };
            await producer.ProduceAsync(topic, new Message<byte[]?, byte[]> { Value = EventLogCodec.Encode(new MessageLogEvent(message)) }, TestContext.Current.CancellationToken);
        }

        var deadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
        while (reader.Events < 4 && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        reader.Measuring = false;
        Assert.Equal(4, reader.Events);
        Assert.Equal((2L, 1L), (reader.CommitToLog.Delivered, reader.Duplicates));
        Assert.Equal(2, reader.SendToLog.Percentiles().Count);
    }

    [Fact]
    public void Options_of_the_event_log_scenario_need_brokers_on_loopback()
    {
        var missing = Assert.Throws<ArgumentException>(() => LoadGenOptions.Parse(["--server", "http://127.0.0.1:5000", "--scenario", "event-log", "--saturate"]));
        Assert.Contains("--kafka", missing.Message, StringComparison.Ordinal);
        var remote = Assert.Throws<ArgumentException>(() => LoadGenOptions.Parse(
            ["--server", "http://127.0.0.1:5000", "--scenario", "event-log", "--saturate", "--kafka", "127.0.0.1:9092,192.0.2.1:9092"]));
        Assert.Contains("loopback", remote.Message, StringComparison.Ordinal);
        var parsed = LoadGenOptions.Parse(["--server", "http://127.0.0.1:5000", "--scenario", "event-log", "--rate", "10", "--kafka", "127.0.0.1:9092,[::1]:9093"]);
        Assert.Equal((Scenario.EventLog, "127.0.0.1:9092,[::1]:9093", "messaging.events"), (parsed.Scenario, parsed.Kafka, parsed.Topic));
    }
}
