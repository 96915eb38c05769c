using Messaging.Bench;
using Microsoft.AspNetCore.SignalR;
using SignalRChat;

// ASP.NET Core SignalR doing what the load generator asks of every target: 1:1 and group sends over WebSockets.
//   dotnet run -c Release --project bench/Baselines/SignalRChat -- [--urls URL] [--redis HOST:PORT]
// With --redis, SignalR's own Redis backplane (Microsoft.AspNetCore.SignalR.StackExchangeRedis) carries the sends.
var redis = BenchServerHosting.Option(args, "--redis");

var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, EnvironmentName = "Production" });
builder.WebHost.UseUrls(BenchServerHosting.Option(args, "--urls") ?? BenchServerHosting.DefaultUrls);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
builder.Logging.SetMinimumLevel(LogLevel.Warning);

var signalR = builder.Services.AddSignalR(o => o.MaximumParallelInvocationsPerClient = 1);
if (redis is not null)
{
    signalR.AddStackExchangeRedis(redis);
}

builder.Services.AddSingleton<IUserIdProvider, QueryUserIdProvider>();

var app = builder.Build();
app.MapHub<ChatHub>("/hub");
app.MapBenchStats();
await app.RunBenchServerAsync(redis is null ? "signalr" : "signalr redis " + redis);
