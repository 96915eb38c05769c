using System.Diagnostics.Metrics;
using Messaging;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the messaging engine.</summary>
/// <remarks>
/// <para>
/// Every role (<see cref="IMessageStore"/>, <see cref="IDeduplicationStore"/>, <see cref="IMessageIdIndex"/>,
/// <see cref="ISequencer"/>, <see cref="IConversationStore"/>,
/// <see cref="IReceiptStore"/>, <see cref="IMessageTransport"/>, <see cref="IConnectionDirectory"/>,
/// <see cref="IPresenceStore"/>, <see cref="IFanoutPolicy"/>, <see cref="IPushNotifier"/>,
/// <see cref="IContactStore"/>, <see cref="IContactPolicy"/>, <see cref="IMessageIdGenerator"/>) and
/// <see cref="TimeProvider"/> gets an in-memory default registered with <c>TryAdd</c>. The <see cref="IEventLog"/> has
/// no default: an in-memory log nobody reads would only grow, and a log that drops would hide that nothing is logged,
/// so a host opts in with <see cref="UseInMemoryEventLog"/> or an adapter's registration. The rule for hosts and
/// adapters: a role registered <em>before</em> <c>AddMessaging</c> (with any <c>Add*</c>) wins because the default is
/// then skipped; a role registered <em>after</em> it must use <c>AddSingleton</c> (not <c>TryAdd*</c>), and wins
/// because the last registration is the one resolved. The <see cref="IConversationIndex"/> defaults to the registered
/// <see cref="IConversationStore"/> when that store offers the role too (it reads the memberships the store records);
/// an adapter whose index is a separate class registers it beside its conversation store.
/// </para>
/// <para>
/// <see cref="MessagingOptions"/> are validated when the host starts (<c>ValidateOnStart</c>), and a hosted service
/// starts and stops the <see cref="MessagingEngine"/> singleton with the host.
/// </para>
/// </remarks>
public static class MessagingServiceCollectionExtensions
{
    /// <summary>Registers the messaging engine with default options and in-memory roles.</summary>
    /// <param name="services">The service collection.</param>
    /// <returns>A builder for adapter registrations.</returns>
    public static IMessagingBuilder AddMessaging(this IServiceCollection services)
        => services.AddMessaging(static _ => { });

    /// <summary>Registers the messaging engine, configuring its options, with in-memory defaults for every role not registered yet.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the options (may be called more than once; all calls apply).</param>
    /// <returns>A builder for adapter registrations.</returns>
    public static IMessagingBuilder AddMessaging(this IServiceCollection services, Action<MessagingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        services.AddOptions<MessagingOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MessagingOptions>, MessagingOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.TryAddSingleton<IMessageStore>(static sp => InMemoryMessageStore.Over(sp.GetRequiredService<IDeduplicationStore>(), sp.GetRequiredService<IMessageIdIndex>()));
        services.TryAddSingleton<ISequencer>(static sp => new InMemorySequencer(sp.GetRequiredService<IMessageStore>()));
        services.TryAddSingleton<IDeduplicationStore>(static sp => new InMemoryDeduplicationStore(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IMessageIdIndex, InMemoryMessageIdIndex>();
        services.TryAddSingleton<IConversationStore, InMemoryConversationStore>();
        services.TryAddSingleton(DefaultConversationIndex);
        services.TryAddSingleton<IReceiptStore, InMemoryReceiptStore>();
        services.TryAddSingleton<IMessageTransport>(static sp => new InMemoryMessageTransport(sp.GetService<ILogger<InMemoryMessageTransport>>()));
        services.TryAddSingleton<IConnectionDirectory>(static sp => new InMemoryConnectionDirectory(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IPresenceStore, InMemoryPresenceStore>();
        services.TryAddSingleton<IFanoutPolicy>(static sp => new DefaultFanoutPolicy(sp.GetRequiredService<IOptions<MessagingOptions>>().Value.WritePathMaxMembers));
        services.TryAddSingleton<IPushNotifier>(static sp => new LoggingPushNotifier(sp.GetService<ILogger<LoggingPushNotifier>>() ?? NullLogger<LoggingPushNotifier>.Instance));
        services.TryAddSingleton<IContactStore, InMemoryContactStore>();
        services.TryAddSingleton<IContactPolicy>(static sp => new MutualMessageContactPolicy(sp.GetRequiredService<IContactStore>()));
        services.TryAddSingleton<IMessageIdGenerator>(static sp => new UuidV7MessageIdGenerator(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IMediaCatalog, InMemoryMediaCatalog>();

        services.TryAddSingleton(CreateEngine);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MessagingHostedService>());
        return new MessagingBuilder(services);
    }

    /// <summary>
    /// Appends what the engine commits to an <see cref="InMemoryEventLog"/> (registered as <see cref="IEventLog"/> and as
    /// itself, so the host can read it). It keeps every event for the life of the process.
    /// </summary>
    /// <param name="builder">The messaging builder.</param>
    /// <returns>The builder.</returns>
    public static IMessagingBuilder UseInMemoryEventLog(this IMessagingBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<InMemoryEventLog>();
        builder.Services.AddSingleton<IEventLog>(static sp => sp.GetRequiredService<InMemoryEventLog>());
        return builder;
    }

    // The index reads the memberships its conversation store records, so without a registration of its own it is the
    // conversation store when that store offers the role too (the in-memory one does).
    private static IConversationIndex DefaultConversationIndex(IServiceProvider services)
        => services.GetRequiredService<IConversationStore>() as IConversationIndex
            ?? throw new InvalidOperationException(
                $"The registered {nameof(IConversationStore)} is not an {nameof(IConversationIndex)}: register the conversation index of the same adapter.");

    private static MessagingEngine CreateEngine(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<MessagingOptions>>().Value;
        var context = new EngineContext
        {
            NodeId = options.NodeId ?? "node-" + Guid.NewGuid().ToString("N")[..12],
            NodeIdConfigured = options.NodeId is not null,
            Options = options,
            Time = services.GetRequiredService<TimeProvider>(),
            Logger = services.GetService<ILoggerFactory>()?.CreateLogger<MessagingEngine>() ?? NullLogger<MessagingEngine>.Instance,
            Metrics = new MessagingMetrics(services.GetService<IMeterFactory>()),
        };
        var roles = new EngineRoles
        {
            Messages = services.GetRequiredService<IMessageStore>(),
            Sequencer = services.GetRequiredService<ISequencer>(),
            Deduplication = services.GetRequiredService<IDeduplicationStore>(),
            MessageIds = services.GetRequiredService<IMessageIdIndex>(),
            Conversations = services.GetRequiredService<IConversationStore>(),
            ConversationIndex = services.GetRequiredService<IConversationIndex>(),
            Receipts = services.GetRequiredService<IReceiptStore>(),
            Transport = services.GetRequiredService<IMessageTransport>(),
            Directory = services.GetRequiredService<IConnectionDirectory>(),
            Presence = services.GetRequiredService<IPresenceStore>(),
            Fanout = services.GetRequiredService<IFanoutPolicy>(),
            Push = services.GetRequiredService<IPushNotifier>(),
            Contacts = services.GetRequiredService<IContactPolicy>(),
            ContactStore = services.GetRequiredService<IContactStore>(),
            Ids = services.GetRequiredService<IMessageIdGenerator>(),
            Media = services.GetRequiredService<IMediaCatalog>(),
            EventLog = services.GetService<IEventLog>(),
        };
        return new MessagingEngine(context, roles);
    }
}
