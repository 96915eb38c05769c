// The server snippets of README.md, verbatim (ReadmeSnippetTests checks that they stay so). The usings are the
// implicit ones of a `dotnet new web` project, which the README's Program.cs relies on.
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Docs.Tests.Snippets;

/// <summary>The README's server code, compiled as written.</summary>
internal static class ReadmeServer
{
    /// <summary>The README's <c>Program.cs</c>: runs until the host stops.</summary>
    public static void Program(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddMessaging();                       // engine + in-memory adapters
        builder.Services.AddMessagingGateway();                // WebSocket + REST gateway
        builder.Services.AddAuthentication().AddJwtBearer();   // your authentication: the user id comes from a claim

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();                                // after UseAuthentication, or every request gets 401
        app.MapMessaging();                                    // GET /ws, the REST API under /conversations, /messages, ...
        app.Run();
    }

    /// <summary>Several gateways on one Redis.</summary>
    public static void ScaleOut(WebApplicationBuilder builder)
    {
        builder.Services.AddMessaging().UseRedis("127.0.0.1:6379");
    }

    /// <summary>Several gateways on Redis stores, Kafka between them, and the Kafka event log.</summary>
    public static void ScaleOutOnKafka(WebApplicationBuilder builder)
    {
        builder.Services.AddMessaging()
            .UseRedis("127.0.0.1:6379")
            .UseKafka("127.0.0.1:9092")
            .UseKafkaEventLog("127.0.0.1:9092");
    }

    /// <summary>The tiered deployment: Redis in front of Cassandra.</summary>
    public static void Tiered(WebApplicationBuilder builder)
    {
        builder.Services.AddMessaging()
            .UseRedis("127.0.0.1:6379")
            .UseCassandra("127.0.0.1:9042");
    }
}
