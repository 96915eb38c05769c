// The snippet of the README of Messaging.Transports.Kafka, verbatim.
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Docs.Tests.Snippets;

/// <summary>The Kafka package's README code, compiled as written (not run: it names hosts that do not exist here).</summary>
internal static class KafkaReadme
{
    /// <summary>Messaging.Transports.Kafka: registration alone and with Redis.</summary>
    public static void Registration(WebApplicationBuilder builder)
    {
        builder.Services.AddMessaging()
            .UseKafka("kafka-1.internal:9092,kafka-2.internal:9092");

        // with Redis for everything else: call UseKafka after UseRedis (the last registered transport wins)
        builder.Services.AddMessaging()
            .UseRedis("redis.internal:6379")
            .UseKafka(o =>
            {
                o.BootstrapServers = "kafka-1.internal:9092";
                o.TopicPrefix = "messaging.node.";           // shared by every gateway of one deployment
                o.ClientId = "chat-gateway";
                o.MaxInFlight = 10_000;                      // unacknowledged records before publishers wait
                o.InboxQueueCapacity = 10_000;               // fetched payloads ahead of the inbox handler
                o.ProducerSettings["security.protocol"] = "SASL_SSL";
                o.ProducerSettings["sasl.password"] = "...";  // redacted when the options are logged
                o.ConsumerSettings["security.protocol"] = "SASL_SSL";
            });
    }

    /// <summary>Messaging.Transports.Kafka: the event log beside a Redis deployment.</summary>
    public static void EventLog(WebApplicationBuilder builder)
    {
        builder.Services.AddMessaging()
            .UseRedis("redis.internal:6379")
            .UseKafkaEventLog(o =>
            {
                o.BootstrapServers = "kafka-1.internal:9092";
                o.Topic = "messaging.events";   // default
                o.Partitions = 12;              // when the topic is created; an existing topic keeps its own count
                o.ReplicationFactor = 3;        // when the topic is created
            });
    }
}
