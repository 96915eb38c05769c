using Messaging;
using Messaging.Transports.Kafka;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Kafka backplane: <see cref="IMessageTransport"/> (with <see cref="IPositionedTransport"/>).</summary>
public static class KafkaTransportBuilderExtensions
{
    /// <summary>Uses Kafka as the backplane, with the default tuning.</summary>
    /// <param name="builder">The messaging builder.</param>
    /// <param name="bootstrapServers">The brokers, comma-separated <c>host:port</c> pairs.</param>
    /// <returns>The builder.</returns>
    public static IMessagingBuilder UseKafka(this IMessagingBuilder builder, string bootstrapServers)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bootstrapServers);
        return builder.UseKafka(o => o.BootstrapServers = bootstrapServers);
    }

    /// <summary>
    /// Uses Kafka as the backplane. It replaces only the transport: the stores, the connection directory and presence
    /// stay what they were (the in-memory defaults, or Redis with <c>UseRedis(...).UseKafka(...)</c>; call it after
    /// <c>UseRedis</c>, since the last registered transport wins). The options are validated when the host starts.
    /// </summary>
    /// <param name="builder">The messaging builder.</param>
    /// <param name="configure">Sets the brokers (required), names, window sizes and pass-through client settings.</param>
    /// <returns>The builder.</returns>
    public static IMessagingBuilder UseKafka(this IMessagingBuilder builder, Action<KafkaTransportOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<KafkaTransportOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KafkaTransportOptions>, KafkaTransportOptionsValidator>());

        // The last registered transport wins: this one replaces the in-memory default and a Redis backplane
        // registered before it (UseRedis(...).UseKafka(...)).
        services.AddSingleton<IMessageTransport>(static sp => new KafkaMessageTransport(
            sp.GetRequiredService<IOptions<KafkaTransportOptions>>().Value,
            sp.GetService<ILogger<KafkaMessageTransport>>()));
        return builder;
    }
}

/// <summary>Registers the Kafka event log: <see cref="IEventLog"/>.</summary>
public static class KafkaEventLogBuilderExtensions
{
    /// <summary>Appends what the engine commits to the Kafka topic <c>messaging.events</c> on these brokers.</summary>
    /// <param name="builder">The messaging builder.</param>
    /// <param name="bootstrapServers">The brokers, comma-separated <c>host:port</c> pairs.</param>
    /// <returns>The builder.</returns>
    public static IMessagingBuilder UseKafkaEventLog(this IMessagingBuilder builder, string bootstrapServers)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bootstrapServers);
        return builder.UseKafkaEventLog(o => o.BootstrapServers = bootstrapServers);
    }

    /// <summary>
    /// Appends what the engine commits (messages, membership changes, acks) to a Kafka topic keyed by conversation.
    /// Independent of the backplane: combine it with <c>UseKafka(...)</c>, with Redis (<c>UseRedis(...)</c>) or with
    /// the in-memory defaults. The options are validated when the host starts.
    /// </summary>
    /// <param name="builder">The messaging builder.</param>
    /// <param name="configure">Sets the brokers (required), the topic, its partitions and pass-through client settings.</param>
    /// <returns>The builder.</returns>
    public static IMessagingBuilder UseKafkaEventLog(this IMessagingBuilder builder, Action<KafkaEventLogOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<KafkaEventLogOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KafkaEventLogOptions>, KafkaEventLogOptionsValidator>());
        services.AddSingleton<IEventLog>(static sp => new KafkaEventLog(
            sp.GetRequiredService<IOptions<KafkaEventLogOptions>>().Value,
            sp.GetService<ILogger<KafkaEventLog>>()));
        return builder;
    }
}

internal sealed class KafkaEventLogOptionsValidator : IValidateOptions<KafkaEventLogOptions>
{
    public ValidateOptionsResult Validate(string? name, KafkaEventLogOptions options)
        => options.Validate() is { } problems ? ValidateOptionsResult.Fail("Kafka event log options are invalid: " + problems) : ValidateOptionsResult.Success;
}

internal sealed class KafkaTransportOptionsValidator : IValidateOptions<KafkaTransportOptions>
{
    public ValidateOptionsResult Validate(string? name, KafkaTransportOptions options)
        => options.Validate() is { } problems ? ValidateOptionsResult.Fail("Kafka transport options are invalid: " + problems) : ValidateOptionsResult.Success;
}
