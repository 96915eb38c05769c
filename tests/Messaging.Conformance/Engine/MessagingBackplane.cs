using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Messaging.Conformance;

/// <summary>
/// The role instances that several engines (gateway nodes) share in a multi-node test: the backplane, the stores, the
/// connection directory and presence. Registered into each node's services before <c>AddMessaging()</c>, so the
/// engine's <c>TryAdd</c> defaults leave them in place.
/// </summary>
public sealed class MessagingBackplane
{
    /// <summary>The backplane between the nodes.</summary>
    public required IMessageTransport Transport { get; init; }

    /// <summary>The message store.</summary>
    public required IMessageStore Messages { get; init; }

    /// <summary>The de-duplication claims (used when the message store is not an <see cref="IAtomicSequencingStore"/>).</summary>
    public required IDeduplicationStore Deduplication { get; init; }

    /// <summary>The message id index.</summary>
    public required IMessageIdIndex MessageIds { get; init; }

    /// <summary>The sequencer, or <see langword="null"/> to keep the engine's default.</summary>
    public ISequencer? Sequencer { get; init; }

    /// <summary>The conversation store.</summary>
    public required IConversationStore Conversations { get; init; }

    /// <summary>
    /// The conversation index over <see cref="Conversations"/>, or <see langword="null"/> when the conversation store is
    /// its own index.
    /// </summary>
    public IConversationIndex? ConversationIndex { get; init; }

    /// <summary>The receipt store.</summary>
    public required IReceiptStore Receipts { get; init; }

    /// <summary>The connection directory.</summary>
    public required IConnectionDirectory Directory { get; init; }

    /// <summary>The presence store.</summary>
    public required IPresenceStore Presence { get; init; }

    /// <summary>A transport under test with the in-memory adapters of every other role.</summary>
    /// <param name="transport">The backplane between the nodes.</param>
    /// <param name="atomic">
    /// Whether the message store's atomic step stands in for the de-duplication store and id index (as with
    /// <c>AddMessaging()</c>'s defaults); otherwise the engine takes the composite path a store of truth takes.
    /// </param>
    /// <returns>The roles, fresh.</returns>
    public static MessagingBackplane InMemory(IMessageTransport transport, bool atomic = false)
    {
        var deduplication = new InMemoryDeduplicationStore();
        var messageIds = new InMemoryMessageIdIndex();
        var messages = atomic ? new InMemoryMessageStore(deduplication, messageIds) : new InMemoryMessageStore();
        return new MessagingBackplane
        {
            Transport = transport,
            Messages = messages,
            Deduplication = deduplication,
            MessageIds = messageIds,
            Sequencer = new InMemorySequencer(messages),
            Conversations = new InMemoryConversationStore(),
            Receipts = new InMemoryReceiptStore(),
            Directory = new InMemoryConnectionDirectory(TimeProvider.System),
            Presence = new InMemoryPresenceStore(),
        };
    }

    /// <summary>
    /// Registers the shared stores, directory and presence (not the transport) over whatever the services hold: for a
    /// host whose <c>AddMessaging()</c> ran first (its defaults are replaced) and that brings its own transport.
    /// </summary>
    /// <param name="services">One node's services.</param>
    public void ReplaceStores(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        AddStores(services, (s, type, instance) => s.AddSingleton(type, instance));
    }

    /// <summary>Registers the shared instances, unless the services already hold a registration of the role.</summary>
    /// <param name="services">One node's services.</param>
    public void Register(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(Transport);
        AddStores(services, (s, type, instance) => s.TryAdd(ServiceDescriptor.Singleton(type, instance)));
    }

    private void AddStores(IServiceCollection services, Action<IServiceCollection, Type, object> add)
    {
        add(services, typeof(IMessageStore), Messages);
        add(services, typeof(IDeduplicationStore), Deduplication);
        add(services, typeof(IMessageIdIndex), MessageIds);
        add(services, typeof(IConversationStore), Conversations);
        add(services, typeof(IReceiptStore), Receipts);
        add(services, typeof(IConnectionDirectory), Directory);
        add(services, typeof(IPresenceStore), Presence);
        if (Sequencer is not null)
        {
            add(services, typeof(ISequencer), Sequencer);
        }

        if (ConversationIndex is not null)
        {
            add(services, typeof(IConversationIndex), ConversationIndex);
        }
    }
}
