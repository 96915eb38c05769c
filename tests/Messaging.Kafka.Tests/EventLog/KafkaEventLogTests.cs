using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Messaging.Conformance;
using Messaging.Transports.Kafka;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Kafka.Tests.EventLog;

public sealed class KafkaEventLogTests(KafkaFixture kafka)
{
    private const string Kcat = "/usr/bin/kcat";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void Partition_of_a_key_is_the_Java_clients_murmur2()
    {
        // Values of Kafka's own murmur2 tests (org.apache.kafka.common.utils.UtilsTest).
        Assert.Equal(-973932308, KafkaNames.Murmur2("21"u8));
        Assert.Equal(-790332482, KafkaNames.Murmur2("foobar"u8));
        Assert.Equal(-985981536, KafkaNames.Murmur2("a-little-bit-long-string"u8));
        Assert.Equal(-1486304829, KafkaNames.Murmur2("a-little-bit-longer-string"u8));
        Assert.Equal(-58897971, KafkaNames.Murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"u8));
        Assert.Equal(479470107, KafkaNames.Murmur2("abc"u8));
        Assert.InRange(KafkaNames.EventLogPartition("any conversation", 12), 0, 11);
    }

    [Fact]
    public async Task Every_committed_message_reaches_the_log_in_seq_order_across_three_brokers_with_one_taken_down_mid_run()
    {
        using var cluster = KafkaFixture.StartCluster(brokers: 3);
        const string topic = "messaging.events.brokerdown";
        cluster.CreateTopic(topic, partitions: 4, replicationFactor: 3);

        // Broker 1 leads half of the partitions, brokers 2 and 3 the others.
        for (var partition = 0; partition < 4; partition++)
        {
            cluster.SetPartitionLeader(topic, partition, partition < 2 ? 1 : partition);
        }

        var options = EventLogTestOptions.For(cluster.BootstrapServers, topic);

        // Appends to a partition whose leader is down fail after a second (not 30 s), so the engine's retries are what
        // carries the messages across the outage.
        options.ProducerSettings["message.timeout.ms"] = "1000";
        await using var log = new CountingEventLog(new KafkaEventLog(options));
        await using var provider = EngineServices(log);
        var engine = provider.GetRequiredService<MessagingEngine>();
        await engine.StartAsync(Token);
        var connection = new RecordingClientConnection();
        await using var alice = await engine.ConnectAsync("alice", "phone", connection, Token);
        var conversations = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            conversations.Add((await engine.CreateDirectConversationAsync("alice", "user" + i.ToString(CultureInfo.InvariantCulture), Token)).View.Conversation.Id);
        }

        Assert.Contains(conversations, c => KafkaNames.EventLogPartition(c, 4) < 2);
        Assert.Contains(conversations, c => KafkaNames.EventLogPartition(c, 4) >= 2);
        const int perConversation = 30;
        async Task SendAsync(string conversation, int from, int count)
        {
            for (var i = from; i < from + count; i++)
            {
                await alice.SendAsync(new SendMessageRequest(conversation, "m" + i.ToString(CultureInfo.InvariantCulture), Guid.NewGuid().ToString("N")), Token);
            }
        }

        await Task.WhenAll(conversations.Select(c => SendAsync(c, 0, 10)));

        // With broker 1 down the appends to its partitions fail until it is back; the others go on.
        cluster.SetBrokerDown(1);
        await Task.WhenAll(conversations.Select(c => SendAsync(c, 10, 10)));
        await Eventually.TrueAsync(() => log.Failures > 0, "an append to fail while broker 1 is down", Timeout);
        cluster.SetBrokerUp(1);
        await Task.WhenAll(conversations.Select(c => SendAsync(c, 20, 10)));

        var seqs = await ConsumeMessageSeqsAsync(cluster.BootstrapServers, topic, conversations, perConversation);
        foreach (var conversation in conversations)
        {
            // A retried append may repeat what the failed one wrote; the first time each seq appears is in seq order.
            Assert.Equal(Enumerable.Range(1, perConversation).Select(i => (long)i), seqs[conversation].Distinct());
        }

        await engine.StopAsync(Token);
    }

    [Fact]
    public async Task Kcat_reads_the_event_log_topic()
    {
        if (!File.Exists(Kcat))
        {
            Assert.Skip($"{Kcat} is missing: install Debian's kcat package to run the interoperability check.");
        }

        const string topic = "messaging.events.kcat";
        var conversation = "kcat " + Guid.NewGuid().ToString("N");
        await using var log = new KafkaEventLog(EventLogTestOptions.For(kafka.BootstrapServers, topic));
        var at = new DateTimeOffset(2025, 1, 15, 10, 30, 0, TimeSpan.Zero);
        await log.AppendAsync(
        [
            new MembershipLogEvent(conversation, at, "alice", Joined: true, ["alice", "bob"]),
            new MessageLogEvent(new Message { ConversationId = conversation, Seq = 1, MessageId = "m1", SenderId = "alice", ClientMsgId = "c1", Content = "Hello ü", Timestamp = at }),
            new ReceiptLogEvent(conversation, at, "bob", "phone", ReceiptStatus.Read, 1),
        ], Token);

        // Key, partition and value of every record, one per line, until the end of the topic.
        var output = await RunKcatAsync("-b", kafka.BootstrapServers, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-u", "-f", "%k\t%p\t%s\n");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith(conversation + "\t", StringComparison.Ordinal)).ToList();

        Assert.Equal(3, lines.Count);
        var expectedPartition = KafkaNames.EventLogPartition(conversation, 4).ToString(CultureInfo.InvariantCulture);
        var values = lines.Select(l => l.Split('\t', 3)).Select(f =>
        {
            Assert.Equal(expectedPartition, f[1]);
            return JsonDocument.Parse(f[2]).RootElement;
        }).ToList();
        Assert.All(values, v => Assert.Equal(1, v.GetProperty("v").GetInt32()));
        Assert.Equal(["membership", "message", "receipt"], values.Select(v => v.GetProperty("type").GetString()));
        Assert.Equal("Hello ü", values[1].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(1, values[1].GetProperty("message").GetProperty("seq").GetInt64());
        Assert.Equal(["alice", "bob"], values[0].GetProperty("members").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(1, values[2].GetProperty("up_to_seq").GetInt64());
    }

    private static ServiceProvider EngineServices(IEventLog log)
    {
        var services = new ServiceCollection();
        services.AddSingleton(log);
        services.AddMessaging(o => o.EventLogRetryInterval = TimeSpan.FromMilliseconds(200));
        return services.BuildServiceProvider();
    }

    // Reads the whole topic as a downstream consumer would, until every conversation's messages are there.
    private static async Task<Dictionary<string, List<long>>> ConsumeMessageSeqsAsync(string bootstrapServers, string topic, IReadOnlyList<string> conversations, int perConversation)
    {
        return await Task.Run(() =>
        {
            var seqs = conversations.ToDictionary(c => c, _ => new List<long>(), StringComparer.Ordinal);
            using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
            {
                BootstrapServers = bootstrapServers,
                GroupId = "event-log-test-" + Guid.NewGuid().ToString("N"),
                AutoOffsetReset = AutoOffsetReset.Earliest,
                EnableAutoCommit = false,
            }).Build();
            consumer.Subscribe(topic);
            var deadline = Stopwatch.StartNew();
            while (seqs.Values.Any(s => s.Distinct().Count() < perConversation))
            {
                Assert.True(deadline.Elapsed < Timeout, "Not every committed message reached the log: " + string.Join(", ", seqs.Select(s => $"{s.Key}={s.Value.Distinct().Count()}")));
                var record = consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (record?.Message is null)
                {
                    continue;
                }

                if (EventLogCodec.Decode(record.Message.Value) is MessageLogEvent { Message: var message } && seqs.TryGetValue(message.ConversationId, out var list))
                {
                    Assert.Equal(message.ConversationId, Encoding.UTF8.GetString(record.Message.Key));
                    list.Add(message.Seq);
                }
            }

            return seqs;
        }, Token);
    }


    private static Task<string> RunKcatAsync(params string[] arguments)
        => ToolProcess.RunAsync(new ProcessStartInfo(Kcat, arguments), Timeout, Token);

    // Counts the appends the real log refused, so the test knows the outage reached the engine.
    private sealed class CountingEventLog(KafkaEventLog inner) : IEventLog, IAsyncDisposable
    {
        private int _failures;

        public int Failures => Volatile.Read(ref _failures);

        public async ValueTask AppendAsync(IReadOnlyList<LogEvent> events, CancellationToken cancellationToken = default)
        {
            try
            {
                await inner.AppendAsync(events, cancellationToken);
            }
            catch (MessagingBackendException)
            {
                Interlocked.Increment(ref _failures);
                throw;
            }
        }

        public ValueTask<long> GetEndAsync(string conversationId, CancellationToken cancellationToken = default) => inner.GetEndAsync(conversationId, cancellationToken);

        public ValueTask<IReadOnlyList<LoggedEvent>> ReadAsync(string conversationId, long afterPosition, int limit, CancellationToken cancellationToken = default)
            => inner.ReadAsync(conversationId, afterPosition, limit, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
