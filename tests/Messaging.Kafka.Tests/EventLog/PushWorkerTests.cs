using Messaging.Conformance;
using Messaging.Transports.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PushWorker;

namespace Messaging.Kafka.Tests.EventLog;

// The push worker sample against the mock cluster and a real Redis: a gateway engine appends to the Kafka event log,
// the worker's consumer group reads it and pushes to the members the connection directory knows no connection of.
public sealed class PushWorkerTests(KafkaFixture kafka)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Pushes_to_offline_members_only_and_a_restart_mid_stream_pushes_nothing_twice()
    {
        await using var redis = await RedisServer.StartAsync();
        var topic = "messaging.events.push-" + Guid.NewGuid().ToString("N")[..8];
        await using var log = new KafkaEventLog(EventLogTestOptions.For(kafka.BootstrapServers, topic));
        await using var gateway = await StartGatewayAsync(redis.ConnectionString, log);
        var engine = gateway.GetRequiredService<MessagingEngine>();
        await using var alice = await engine.ConnectAsync("alice", "phone", new RecordingClientConnection(), Token);
        await using var bob = await engine.ConnectAsync("bob", "phone", new RecordingClientConnection(), Token);
        var group = (await engine.CreateGroupAsync("alice", "team", ["bob", "carol"], Token)).Conversation.Id;
        var pushes = new RecordingPushNotifier();
        await log.GetEndAsync(group, Token);

        // The first worker commits only every 1,000 records, so stopping it leaves all it pushed uncommitted.
        var first = await StartWorkerAsync(redis.ConnectionString, topic, pushes, commitEvery: 1000);
        var sent = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            sent.Add((await alice.SendAsync(new SendMessageRequest(group, "m" + i, Guid.NewGuid().ToString("N")), Token)).Message.MessageId);
        }

        await Eventually.TrueAsync(() => pushes.For("carol").Count >= 5, "5 pushes to carol", Timeout);
        await first.StopAsync(Token);

        // The next member of the group reads those records again, then the new ones.
        var second = await StartWorkerAsync(redis.ConnectionString, topic, pushes, commitEvery: 1);
        for (var i = 5; i < 8; i++)
        {
            sent.Add((await alice.SendAsync(new SendMessageRequest(group, "m" + i, Guid.NewGuid().ToString("N")), Token)).Message.MessageId);
        }

        await Eventually.TrueAsync(() => pushes.For("carol").Count >= 8, "8 pushes to carol", Timeout);
        await second.StopAsync(Token);

        Assert.Equal(sent, pushes.For("carol"));
        Assert.Empty(pushes.For("bob"));
        Assert.Empty(pushes.For("alice"));
        await engine.StopAsync(Token);
    }

    [Fact]
    public async Task A_worker_started_before_the_gateways_created_the_topic_waits_for_it_and_pushes()
    {
        await using var redis = await RedisServer.StartAsync();
        var topic = "messaging.events.early-" + Guid.NewGuid().ToString("N")[..8];
        var pushes = new RecordingPushNotifier();

        // A fresh deployment: the worker subscribes before any gateway appended, so the topic does not exist yet.
        var worker = await StartWorkerAsync(redis.ConnectionString, topic, pushes, commitEvery: 1);
        var consumer = (BackgroundService)worker.Consumer;
        await using var log = new KafkaEventLog(EventLogTestOptions.For(kafka.BootstrapServers, topic));
        await using var gateway = await StartGatewayAsync(redis.ConnectionString, log);
        var engine = gateway.GetRequiredService<MessagingEngine>();
        await using var alice = await engine.ConnectAsync("alice", "phone", new RecordingClientConnection(), Token);
        var direct = (await engine.CreateDirectConversationAsync("alice", "carol", Token)).View.Conversation.Id;

        var sent = (await alice.SendAsync(new SendMessageRequest(direct, "hello", Guid.NewGuid().ToString("N")), Token)).Message.MessageId;

        await Eventually.TrueAsync(
            () => consumer.ExecuteTask is { IsCompleted: true } stopped
                ? throw new InvalidOperationException("The worker stopped.", stopped.Exception)
                : pushes.For("carol").Count >= 1,
            "a push to carol",
            Timeout);
        Assert.Equal([sent], pushes.For("carol"));
        await worker.StopAsync(Token);
        await engine.StopAsync(Token);
    }

    [Fact]
    public async Task A_push_that_fails_once_is_tried_again_and_the_worker_goes_on()
    {
        await using var redis = await RedisServer.StartAsync();
        var topic = "messaging.events.retry-" + Guid.NewGuid().ToString("N")[..8];
        await using var log = new KafkaEventLog(EventLogTestOptions.For(kafka.BootstrapServers, topic));
        await using var gateway = await StartGatewayAsync(redis.ConnectionString, log);
        var engine = gateway.GetRequiredService<MessagingEngine>();
        await using var alice = await engine.ConnectAsync("alice", "phone", new RecordingClientConnection(), Token);
        var direct = (await engine.CreateDirectConversationAsync("alice", "carol", Token)).View.Conversation.Id;
        await log.GetEndAsync(direct, Token);

        // The push provider fails its first call (as a provider's timeout would).
        var pushes = new RecordingPushNotifier(failures: 1);
        var worker = await StartWorkerAsync(redis.ConnectionString, topic, pushes, commitEvery: 1);
        var consumer = (BackgroundService)worker.Consumer;
        var sent = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            sent.Add((await alice.SendAsync(new SendMessageRequest(direct, "m" + i, Guid.NewGuid().ToString("N")), Token)).Message.MessageId);
        }

        await Eventually.TrueAsync(
            () => consumer.ExecuteTask is { IsCompleted: true } stopped
                ? throw new InvalidOperationException("The worker stopped.", stopped.Exception)
                : pushes.For("carol").Count >= 2,
            "both pushes to carol",
            Timeout);
        Assert.Equal(sent, pushes.For("carol"));
        Assert.Equal(1, pushes.Failed);
        await worker.StopAsync(Token);
        await engine.StopAsync(Token);
    }

    // A gateway's engine on the deployment's Redis, appending to the event log.
    private static async Task<ServiceProvider> StartGatewayAsync(string redis, IEventLog log)
    {
        var services = new ServiceCollection();
        services.AddSingleton(log);
        services.AddMessaging().UseRedis(redis);
        var gateway = services.BuildServiceProvider();
        await gateway.GetRequiredService<MessagingEngine>().StartAsync(Token);
        return gateway;
    }

    private async Task<Worker> StartWorkerAsync(string redis, string topic, RecordingPushNotifier pushes, int commitEvery)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IPushNotifier>(pushes);
        services.AddPushWorker(redis, o =>
        {
            o.BootstrapServers = kafka.BootstrapServers;
            o.Topic = topic;
            o.GroupId = topic + ".push";
            o.CommitEvery = commitEvery;

            // The mock cluster hands the stopped member's partitions over only when its session expires (6 s is the least brokers accept by default).
            o.SessionTimeout = TimeSpan.FromSeconds(6);
        });
        var provider = services.BuildServiceProvider();
        var worker = Assert.Single(provider.GetServices<IHostedService>());
        Assert.IsType<EventLogConsumer>(worker);
        await worker.StartAsync(Token);
        return new Worker(provider, worker);
    }

    // A running worker process, in process: stopping it stops the consumer and disposes its services.
    private sealed record Worker(ServiceProvider Services, IHostedService Consumer)
    {
        public async Task StopAsync(CancellationToken cancellationToken)
        {
            await Consumer.StopAsync(cancellationToken);
            await Services.DisposeAsync();
        }
    }


    // The host's push sender: records whom each message was pushed to.
    private sealed class RecordingPushNotifier(int failures = 0) : IPushNotifier
    {
        private readonly List<PushNotification> _pushes = [];
        private int _failed;

        public int Failed => Volatile.Read(ref _failed);

        public List<string> For(string userId)
        {
            lock (_pushes)
            {
                return [.. _pushes.Where(p => p.RecipientId == userId).Select(p => p.Message.MessageId)];
            }
        }

        public ValueTask NotifyAsync(PushNotification notification, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _failed) <= failures)
            {
                throw new HttpRequestException("The push provider timed out.");
            }

            Interlocked.Decrement(ref _failed);
            lock (_pushes)
            {
                _pushes.Add(notification);
            }

            return ValueTask.CompletedTask;
        }
    }
}
