using Messaging;
using Messaging.Stores.Cassandra;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers the Cassandra stores: <see cref="IMessageStore"/>, <see cref="IDeduplicationStore"/>,
/// <see cref="IMessageIdIndex"/>, <see cref="IConversationStore"/>, <see cref="IConversationIndex"/> and
/// <see cref="IReceiptStore"/>, as the durable store of truth. Alone, every other role keeps what is registered (the
/// in-memory ones of <c>AddMessaging()</c>: one gateway), and the default sequencer fences against the Cassandra message
/// store's last seq. With <c>UseRedis</c> (before or after): the tiered deployment. Redis holds the sequencer (fenced
/// against the Cassandra last seq), presence, the directory, the backplane and a hot window of recent messages in
/// front of Cassandra (a <see cref="TieredMessageStore"/>: the commit point is the Cassandra append); these roles stay
/// on Cassandra whichever is registered second. <c>UseCassandraSequencer()</c> moves the sequencer to Cassandra as well
/// (lightweight transactions), alone or beside Redis.
/// </summary>
public static class CassandraMessagingBuilderExtensions
{
    /// <summary>Uses the Cassandra stores on the given contact points, with the default options otherwise.</summary>
    /// <param name="builder">The messaging builder.</param>
    /// <param name="contactPoints">Comma-separated <c>host</c> or <c>host:port</c> entries.</param>
    /// <returns>The builder.</returns>
    public static IMessagingBuilder UseCassandra(this IMessagingBuilder builder, string contactPoints)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contactPoints);
        return builder.UseCassandra(o =>
        {
            foreach (var contactPoint in contactPoints.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                o.ContactPoints.Add(contactPoint);
            }
        });
    }

    /// <summary>
    /// Uses the Cassandra stores. Registered after <c>AddMessaging</c>, so they replace the in-memory ones of their
    /// roles. The options are validated when the host starts; the session opens then too (after the schema step when
    /// <see cref="CassandraOptions.CreateSchemaAtStart"/> is set), so an unreachable cluster fails the start.
    /// </summary>
    /// <param name="builder">The messaging builder.</param>
    /// <param name="configure">Sets the contact points, keyspace, credentials, consistency and replication.</param>
    /// <returns>The builder.</returns>
    public static IMessagingBuilder UseCassandra(this IMessagingBuilder builder, Action<CassandraOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddContext(builder.Services).Configure(configure);
        builder.UseMessageStoreTier(MessageStoreTier.Durable, static sp => new CassandraMessageStore(sp.GetRequiredService<CassandraStoreContext>()));
        builder.UseDurableRole<IDeduplicationStore>(static sp => new CassandraDeduplicationStore(sp.GetRequiredService<CassandraStoreContext>()));
        builder.UseDurableRole<IMessageIdIndex>(static sp => new CassandraMessageIdIndex(sp.GetRequiredService<CassandraStoreContext>()));
        builder.UseDurableRole<IConversationStore>(static sp => new CassandraConversationStore(sp.GetRequiredService<CassandraStoreContext>()));
        builder.UseDurableRole<IConversationIndex>(static sp => new CassandraConversationIndex(sp.GetRequiredService<CassandraStoreContext>()));
        builder.UseDurableRole<IReceiptStore>(static sp => new CassandraReceiptStore(sp.GetRequiredService<CassandraStoreContext>()));
        return builder;
    }

    /// <summary>
    /// Uses the sequencer on Cassandra lightweight transactions (a counter row per conversation moved by
    /// compare-and-set) instead of the in-memory one or Redis', so several gateways share seqs without Redis. It wins
    /// over <c>UseRedis</c>'s sequencer whichever is called first (it registers as a durable role); the contact points
    /// and keyspace are those of <see cref="UseCassandra(IMessagingBuilder, Action{CassandraOptions})"/>, which must be
    /// called too (without it the start fails: no contact point). Each seq costs a read and a lightweight transaction,
    /// one more per round lost to another gateway on the same conversation.
    /// </summary>
    /// <param name="builder">The messaging builder.</param>
    /// <param name="configure">Sets how a lost round is retried; the defaults when <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    public static IMessagingBuilder UseCassandraSequencer(this IMessagingBuilder builder, Action<CassandraSequencerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        AddContext(services);
        var options = services.AddOptions<CassandraSequencerOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CassandraSequencerOptions>, CassandraSequencerOptionsValidator>());
        builder.UseDurableRole<ISequencer>(static sp => new CassandraSequencer(
            sp.GetRequiredService<CassandraStoreContext>(),
            sp.GetRequiredService<IMessageStore>(),
            sp.GetRequiredService<IOptions<CassandraSequencerOptions>>().Value));
        return builder;
    }

    // What both registrations share: the options (validated at start), the stores' context and its start-up.
    private static OptionsBuilder<CassandraOptions> AddContext(IServiceCollection services)
    {
        var options = services.AddOptions<CassandraOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CassandraOptions>, CassandraOptionsValidator>());
        services.TryAddSingleton(static sp => new CassandraStoreContext(
            sp.GetRequiredService<IOptions<CassandraOptions>>().Value,
            sp.GetService<TimeProvider>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger("Messaging.Stores.Cassandra")));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CassandraStartup>());
        return options;
    }
}

/// <summary>
/// At start: the schema step when asked for, then the stores' session, so a bad cluster fails the start. It runs in the
/// host's starting phase, before any hosted service's <c>StartAsync</c>: the engine (registered earlier, by
/// <c>AddMessaging</c>) starts, opens its inbox and logs that it started only on stores that answered.
/// </summary>
internal sealed class CassandraStartup(CassandraStoreContext context, ILoggerFactory? loggerFactory = null) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (context.Options.CreateSchemaAtStart)
        {
            await CassandraSchema.ApplyAsync(context.Options, loggerFactory?.CreateLogger("Messaging.Stores.Cassandra.Schema"), cancellationToken).ConfigureAwait(false);
        }

        await context.SessionAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
