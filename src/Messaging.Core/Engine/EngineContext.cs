using Microsoft.Extensions.Logging;

namespace Messaging;

/// <summary>The roles, options and instruments every flow of one engine shares.</summary>
internal sealed class EngineContext
{
    public required string NodeId { get; init; }

    public required MessagingOptions Options { get; init; }

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

    public IMediaCatalog Media { get; init; } = new InMemoryMediaCatalog();

    public required TimeProvider Time { get; init; }

    public required ILogger Logger { get; init; }

    public required MessagingMetrics Metrics { get; init; }

    /// <summary>The current server time.</summary>
    public DateTimeOffset Now => Time.GetUtcNow();
}
