namespace Messaging;

/// <summary>
/// The part an adapter's <see cref="IMessageStore"/> plays when several adapters are registered together (see
/// <c>MessagingTierBuilderExtensions.UseMessageStoreTier</c>). The registered message store is the
/// <see cref="Durable"/> one with a <see cref="HotWindow"/> in front of it (a <see cref="TieredMessageStore"/>), the
/// <see cref="Durable"/> one alone, or else the <see cref="Standalone"/> one; the order of the registrations does not
/// matter.
/// </summary>
public enum MessageStoreTier
{
    /// <summary>A store of truth (for example Cassandra): the commit point of a send, in front of which a hot window may sit.</summary>
    Durable,

    /// <summary>The store an adapter offers when no durable store is registered (for example Redis keeping every message).</summary>
    Standalone,

    /// <summary>A cache of recent messages in front of a durable store (for example Redis keeping the newest messages); unused without one.</summary>
    HotWindow,
}
