using Messaging.Transports.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

// The messaging sample server: the engine, the WebSocket and REST gateway of protocol v1, and a browser chat UI served
// from wwwroot. In-memory adapters by default (one process, zero setup); with Messaging:Redis set (or the environment
// variable Messaging__Redis), the Redis stores and backplane, so several of these servers act as one service; with
// Messaging:Cassandra=<contact points>, the Cassandra stores behind this one server; with both, the tiered deployment
// (Redis for the sequencer, presence, directory, backplane and a hot window of recent messages; Cassandra the store of
// truth), which several of these servers share; with Messaging:Kafka, the Kafka backplane, and with
// Messaging:KafkaEventLog, the Kafka event log.
//   dotnet run --project samples/ChatServer      then open http://localhost:5000 in two browser profiles.
var builder = WebApplication.CreateBuilder(args);

// The section "Messaging" binds the engine options (NodeId, PresenceGracePeriod, ...). Each gateway of a cluster needs
// its own NodeId: Messaging:NodeId, or else the machine name and the port it listens on.
var messaging = builder.Services.AddMessaging(o =>
{
    builder.Configuration.GetSection("Messaging").Bind(o);
    o.NodeId ??= builder.Configuration["urls"] is { Length: > 0 } urls
        ? $"{Environment.MachineName}-{BindingAddress.Parse(urls.Split(';')[0]).Port}"
        : null;   // generated
});
if (builder.Configuration["Messaging:Redis"] is { Length: > 0 } redis)
{
    messaging.UseRedis(redis);
}

if (builder.Configuration["Messaging:Cassandra"] is { Length: > 0 } cassandra)
{
    // Messaging:Cassandra=<contact points> keeps messages, claims, conversations and receipts in Cassandra (keyspace
    // "messaging", created at start with one replica: a local node) and, without Messaging:Redis, the rest in memory:
    // one gateway. With Messaging:Redis too, Redis stands in front of it (the hot window of recent messages).
    messaging.UseCassandra(o =>
    {
        foreach (var contactPoint in cassandra.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            o.ContactPoints.Add(contactPoint);
        }

        o.ReplicationFactor = 1;
        o.CreateSchemaAtStart = true;
    });
}

// Messaging:Kafka=<bootstrap servers> moves the backplane to Kafka (a topic per node); with Messaging:Redis the stores
// stay in Redis (UseRedis(...).UseKafka(...): the last transport registered wins). Any setting in the section
// Messaging:KafkaEventLog (BootstrapServers, defaulting to Messaging:Kafka; Topic, Partitions, ReplicationFactor)
// appends every committed message, membership change and receipt to the Kafka event log that samples/PushWorker
// reads. Both are validated when the server starts.
var kafka = builder.Configuration["Messaging:Kafka"];
if (kafka is { Length: > 0 })
{
    messaging.UseKafka(kafka);
}

var eventLog = builder.Configuration.GetSection("Messaging:KafkaEventLog");
if (eventLog.Exists())
{
    messaging.UseKafkaEventLog(o =>
    {
        eventLog.Bind(o);
        o.BootstrapServers ??= kafka;
    });
}

builder.Services.AddMessagingGateway();

// Media: resumable tus uploads at /media/uploads and downloads at /media/{id}, stored under Messaging:MediaRoot
// (default: a folder in the temp directory; gateways of a cluster share one folder) or, with Messaging:S3:BucketName
// set, in an S3 bucket (Messaging:S3:ServiceUrl for an S3-compatible server, Messaging:S3:CompatibleServer=true for
// its settings). The limits (100 MiB, allowed types, quotas, expiry) bind from Messaging:Media. With Redis, the media
// catalog is in Redis too, so any gateway serves any upload.
var s3 = builder.Configuration.GetSection("Messaging:S3");
if (s3["BucketName"] is { Length: > 0 })
{
    messaging.UseS3BlobStore(o =>
    {
        s3.Bind(o);
        if (s3.GetValue<bool>("CompatibleServer"))
        {
            o.ForCompatibleServer();
        }
    });
}

builder.Services.AddMessagingMedia(o =>
{
    builder.Configuration.GetSection("Messaging:Media").Bind(o);
    if (builder.Configuration["Messaging:MediaRoot"] is { Length: > 0 } root)
    {
        o.FileSystemRootPath = root;
    }
});

// Development sign-in: the user id IS the bearer token (`Authorization: Bearer alice` or `?access_token=alice`).
// INSECURE, anybody can claim to be anybody: for local use only. On in the Development environment or with
// Messaging:DevelopmentAuthentication=true. A real host registers its own scheme (JWT bearer, cookies...) instead.
if (builder.Configuration.GetValue("Messaging:DevelopmentAuthentication", builder.Environment.IsDevelopment()))
{
    builder.Services.AddAuthentication(MessagingDevelopmentAuthenticationDefaults.AuthenticationScheme)
        .AddMessagingDevelopmentAuthentication();
}

var app = builder.Build();

// Fail at start rather than answer every request with 401.
if (app.Services.GetService<IAuthenticationSchemeProvider>() is not { } schemes
    || await schemes.GetDefaultAuthenticateSchemeAsync() is null)
{
    throw new InvalidOperationException(
        "No authentication scheme is configured. For local use only, enable the insecure development scheme with " +
        "Messaging:DevelopmentAuthentication=true (or run in the Development environment); in production, register " +
        "your own authentication scheme as the default.");
}

app.UseDefaultFiles();
app.UseStaticFiles();
app.MapMessaging();

await app.RunAsync();
