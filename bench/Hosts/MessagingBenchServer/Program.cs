using Messaging.Bench;
using Messaging.Transports.AspNetCore;

// Our stack as the load generator measures it: the same registration as samples/ChatServer (AddMessaging,
// AddMessagingGateway, development authentication, MapMessaging), plus what a benchmark needs and the sample must
// not have: rate limits and the per-user connection cap lifted (the load generator sends thousands of frames a second
// on one socket and sets up thousands of conversations over REST),
// a short presence grace (configurable), optional Redis for stores and backplane, optional Cassandra (alone: the
// stores behind one gateway; with --redis: the tiered deployment, Redis in front of Cassandra), an optional Kafka
// backplane (with --redis: Redis stores, Kafka backplane) and Kafka event log, and /bench/stats.
//   dotnet run -c Release --project bench/Hosts/MessagingBenchServer -- [--urls URL] [--redis HOST:PORT] [--cassandra HOST:PORT] [--grace-ms N]
//     [--kafka BOOTSTRAP] [--kafka-event-log BOOTSTRAP]
// Or the Cassandra append path: the store's appends against a plain loop of the same statements (one JSON line).
//   dotnet run -c Release --project bench/Hosts/MessagingBenchServer -- cassandra-append --cassandra HOST:PORT [--messages N] [--concurrency C] [--out FILE]
// Or the contention of the sequencer on lightweight transactions: senders on one conversation, then on one each.
//   dotnet run -c Release --project bench/Hosts/MessagingBenchServer -- cassandra-sequencer --cassandra HOST:PORT [--senders N] [--sessions S] [--seqs M] [--out FILE]
if (args is [CassandraAppendBench.Name, ..])
{
    return await CassandraAppendBench.RunAsync(args[1..]);
}

if (args is [CassandraSequencerBench.Name, ..])
{
    return await CassandraSequencerBench.RunAsync(args[1..]);
}

var redis = BenchServerHosting.Option(args, "--redis");
var cassandra = BenchServerHosting.Option(args, "--cassandra");
var kafka = BenchServerHosting.Option(args, "--kafka");
var kafkaEventLog = BenchServerHosting.Option(args, "--kafka-event-log");
var graceMs = int.Parse(BenchServerHosting.Option(args, "--grace-ms") ?? "5000", System.Globalization.CultureInfo.InvariantCulture);

var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, EnvironmentName = "Production" });
builder.WebHost.UseUrls(BenchServerHosting.Option(args, "--urls") ?? BenchServerHosting.DefaultUrls);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
builder.Logging.SetMinimumLevel(LogLevel.Warning);

var messaging = builder.Services.AddMessaging(o => o.PresenceGracePeriod = TimeSpan.FromMilliseconds(graceMs));
if (redis is not null)
{
    messaging.UseRedisStores(redis).UseRedisTransport(redis);
}

if (cassandra is not null)
{
    // The bench keyspace, created at start with one replica (a local node); users are unique per run.
    messaging.UseCassandra(o =>
    {
        o.ContactPoints.Add(cassandra);
        o.Keyspace = CassandraAppendBench.Keyspace;
        o.ReplicationFactor = 1;
        o.CreateSchemaAtStart = true;
    });
}

// After the Redis transport: the last registered transport wins, so --redis with --kafka is Redis stores, Kafka backplane.
if (kafka is not null)
{
    messaging.UseKafka(kafka);
}

if (kafkaEventLog is not null)
{
    messaging.UseKafkaEventLog(kafkaEventLog);
}

builder.Services.AddMessagingGateway(o =>
{
    o.RateLimitBurst = 1_000_000;
    o.RateLimitPerSecond = 1_000_000;
    o.UserRateLimitBurst = 1_000_000;
    o.UserRateLimitPerSecond = 1_000_000;
    o.RestRateLimitBurst = 1_000_000;
    o.RestRateLimitPerSecond = 1_000_000;
    o.MaxConnectionsPerUser = 1_000_000;
    o.IdleTimeout = TimeSpan.FromMinutes(10);
});
builder.Services.AddAuthentication(MessagingDevelopmentAuthenticationDefaults.AuthenticationScheme)
    .AddMessagingDevelopmentAuthentication();

var app = builder.Build();
app.MapMessaging();
app.MapBenchStats();
var stores = (redis, cassandra) switch
{
    (null, null) => "messaging in-memory",
    (_, null) => "messaging redis " + redis,
    (null, _) => "messaging cassandra " + cassandra,
    _ => $"messaging tiered redis {redis} cassandra {cassandra}",
};
stores += (kafka is null ? string.Empty : ", kafka backplane " + kafka)
    + (kafkaEventLog is null ? string.Empty : ", kafka event log " + kafkaEventLog);
await app.RunBenchServerAsync(stores);
return 0;
