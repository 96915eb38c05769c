using Messaging;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registration helpers for adapters that combine as tiers: a durable store of truth (Cassandra) behind a shared,
/// faster tier (Redis). Whichever adapter is registered second, the result is the same: the durable adapter's roles win
/// over the shared tier's, and the message store is a <see cref="TieredMessageStore"/> when both offer one.
/// </summary>
/// <remarks>
/// Every helper registers with <c>AddSingleton</c>, after <c>AddMessaging</c>'s <c>TryAdd</c> defaults, so it replaces
/// the in-memory role; a role registered by the host after the adapters still wins (the last registration is the one
/// resolved).
/// </remarks>
public static class MessagingTierBuilderExtensions
{
    /// <summary>
    /// Registers the message store an adapter offers in one <paramref name="tier"/>. The resolved
    /// <see cref="IMessageStore"/> is then: the durable store with the hot window in front (a
    /// <see cref="TieredMessageStore"/>) when both tiers are registered; the durable store alone; else the standalone
    /// store. A hot window registered without either leaves the registered message store as it is. A later
    /// registration of the same tier replaces the earlier one.
    /// </summary>
    /// <param name="builder">The messaging builder.</param>
    /// <param name="tier">The part the store plays.</param>
    /// <param name="factory">Creates the store (once per container).</param>
    /// <returns>The builder.</returns>
    public static IMessagingBuilder UseMessageStoreTier(this IMessagingBuilder builder, MessageStoreTier tier, Func<IServiceProvider, IMessageStore> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        if (!Enum.IsDefined(tier))
        {
            throw new ArgumentOutOfRangeException(nameof(tier), tier, "Unknown message store tier.");
        }

        var tiers = MessageStoreTiers.Of(builder.Services);
        tiers.Set(tier, factory);
        if (tiers.HasStore)
        {
            // A hot window alone changes nothing: the message store registered so far stays until a durable one comes.
            builder.Services.AddSingleton<IMessageStore>(tiers.Resolve);
        }

        return builder;
    }

    /// <summary>
    /// Registers a role of a durable store of truth (de-duplication claims, conversations, receipts, ...): it replaces
    /// the earlier registration of the role, and a later <see cref="UseSharedTierRole{TRole}"/> of the role is skipped.
    /// </summary>
    /// <typeparam name="TRole">The role.</typeparam>
    /// <param name="builder">The messaging builder.</param>
    /// <param name="factory">Creates the role's adapter (once per container).</param>
    /// <returns>The builder.</returns>
    public static IMessagingBuilder UseDurableRole<TRole>(this IMessagingBuilder builder, Func<IServiceProvider, TRole> factory)
        where TRole : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        MessageStoreTiers.Of(builder.Services).DurableRoles.Add(typeof(TRole));
        builder.Services.AddSingleton(factory);
        return builder;
    }

    /// <summary>
    /// Registers a role of a shared tier that a durable store may also offer: it replaces the earlier registration of
    /// the role unless a durable store registered it (<see cref="UseDurableRole{TRole}"/>), in which case the durable
    /// one stays.
    /// </summary>
    /// <typeparam name="TRole">The role.</typeparam>
    /// <param name="builder">The messaging builder.</param>
    /// <param name="factory">Creates the role's adapter (once per container).</param>
    /// <returns>The builder.</returns>
    public static IMessagingBuilder UseSharedTierRole<TRole>(this IMessagingBuilder builder, Func<IServiceProvider, TRole> factory)
        where TRole : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        if (!MessageStoreTiers.Of(builder.Services).DurableRoles.Contains(typeof(TRole)))
        {
            builder.Services.AddSingleton(factory);
        }

        return builder;
    }
}

/// <summary>
/// What the adapters registered per tier, kept in the service collection itself (one instance, found by its
/// descriptor) so registrations made in any order see each other.
/// </summary>
internal sealed class MessageStoreTiers
{
    private readonly Func<IServiceProvider, IMessageStore>?[] _stores = new Func<IServiceProvider, IMessageStore>?[3];

    public HashSet<Type> DurableRoles { get; } = [];

    public static MessageStoreTiers Of(IServiceCollection services)
    {
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(MessageStoreTiers) && descriptor.ImplementationInstance is MessageStoreTiers found)
            {
                return found;
            }
        }

        var tiers = new MessageStoreTiers();
        services.AddSingleton(tiers);
        return tiers;
    }

    public bool HasStore => _stores[(int)MessageStoreTier.Durable] is not null || _stores[(int)MessageStoreTier.Standalone] is not null;

    public void Set(MessageStoreTier tier, Func<IServiceProvider, IMessageStore> factory) => _stores[(int)tier] = factory;

    public IMessageStore Resolve(IServiceProvider services)
    {
        var durable = _stores[(int)MessageStoreTier.Durable];
        var hot = _stores[(int)MessageStoreTier.HotWindow];
        if (durable is not null)
        {
            return hot is null
                ? durable(services)
                : new TieredMessageStore(durable(services), hot(services), services.GetService<ILogger<TieredMessageStore>>());
        }

        return _stores[(int)MessageStoreTier.Standalone]?.Invoke(services)
            ?? throw new InvalidOperationException("No durable or standalone message store was registered.");
    }
}
