// The push worker: a member of a Kafka consumer group that reads the gateways' event log and calls IPushNotifier for
// the members of a conversation with no live connection. It needs the deployment's Redis (conversations, the
// connection directory, and the record of what was pushed) and its Kafka brokers:
//
//   dotnet run --project samples/PushWorker -- --Messaging:Redis=127.0.0.1:6379 --Messaging:Kafka=127.0.0.1:9092
//
// The IPushNotifier registered here is the SDK's logging one; a real deployment registers its FCM/APNs sender instead.
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using PushWorker;

var builder = Host.CreateApplicationBuilder(args);
var redis = builder.Configuration["Messaging:Redis"] is { Length: > 0 } configured
    ? configured
    : throw new InvalidOperationException("Set Messaging:Redis to the deployment's Redis (the connection directory and the conversations).");
builder.Services.AddPushWorker(redis, o =>
{
    builder.Configuration.GetSection("PushWorker").Bind(o);
    o.BootstrapServers ??= builder.Configuration["Messaging:Kafka"];
});
await builder.Build().RunAsync();
