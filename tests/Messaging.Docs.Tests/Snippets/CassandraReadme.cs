// The snippet of the README of Messaging.Stores.Cassandra, verbatim.
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Docs.Tests.Snippets;

/// <summary>The Cassandra package's README code, compiled as written (not run: it names a node that does not exist here).</summary>
internal static class CassandraReadme
{
    /// <summary>Messaging.Stores.Cassandra: registering the stores.</summary>
    public static void Registration(WebApplicationBuilder builder)
    {
        builder.Services.AddMessaging().UseCassandra(o =>
        {
            o.ContactPoints.Add("10.0.0.5:9042");
            o.Keyspace = "messaging";            // the default
            o.LocalDatacenter = "dc1";
            o.ReplicationFactor = 3;             // for the schema step
            o.CreateSchemaAtStart = true;        // or run docs/cassandra-schema.cql once
        });
    }

    /// <summary>Messaging.Stores.Cassandra: the tiered deployment, Redis in front of Cassandra.</summary>
    public static void Tiered(WebApplicationBuilder builder)
    {
        builder.Services.AddMessaging()
            .UseRedis("redis:6379")                              // either order gives the same wiring
            .UseCassandra(o => o.ContactPoints.Add("10.0.0.5:9042"));
    }

    /// <summary>Messaging.Stores.Cassandra: the sequencer on lightweight transactions.</summary>
    public static void Sequencer(WebApplicationBuilder builder)
    {
        builder.Services.AddMessaging()
            .UseCassandra(o => o.ContactPoints.Add("10.0.0.5:9042"))
            .UseCassandraSequencer();            // optional: o => o.MaxAttempts = 100, RetryBaseDelay, RetryMaxDelay
    }
}
