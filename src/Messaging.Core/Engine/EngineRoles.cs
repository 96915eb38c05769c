namespace Messaging;

/// <summary>
/// The registered roles one engine is built from. Only <see cref="MessagingEngine"/>'s constructor, the composition
/// root, reads it: it hands each part the roles that part uses, and no part ever sees the whole set.
/// </summary>
internal sealed class EngineRoles
{
    public required IMessageStore Messages { get; init; }

    public required ISequencer Sequencer { get; init; }

    public required IDeduplicationStore Deduplication { get; init; }

    public required IMessageIdIndex MessageIds { get; init; }

    public required IConversationStore Conversations { get; init; }

    public required IConversationIndex ConversationIndex { get; init; }

    public required IReceiptStore Receipts { get; init; }

    public required IMessageTransport Transport { get; init; }

    public required IConnectionDirectory Directory { get; init; }

    public required IPresenceStore Presence { get; init; }

    public required IFanoutPolicy Fanout { get; init; }

    public required IPushNotifier Push { get; init; }

    public required IContactPolicy Contacts { get; init; }

    public required IContactStore ContactStore { get; init; }

    public required IMessageIdGenerator Ids { get; init; }

    public required IMediaCatalog Media { get; init; }

    /// <summary>The event log, when the host registered one (there is no default).</summary>
    public IEventLog? EventLog { get; init; }
}
