namespace Messaging;

/// <summary>The roles a connection's ordered delivery reads: catch-up, gap filling and the device's cursors.</summary>
/// <param name="Messages">The message store (missed messages, the history start).</param>
/// <param name="Conversations">The conversation store (a conversation's members, the user's departures).</param>
/// <param name="Index">The conversation index (the user's conversations).</param>
/// <param name="Receipts">The receipt store (the device's delivered marks).</param>
/// <param name="Recent">The newest messages this node committed or routed, which fill a short gap without a store read.</param>
internal sealed record DeliveryReads(IMessageStore Messages, IConversationStore Conversations, IConversationIndex Index, IReceiptStore Receipts, RecentMessages Recent);
