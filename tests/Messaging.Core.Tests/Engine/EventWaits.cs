using Messaging.Conformance;

namespace Messaging.Tests.Engine;

/// <summary>Awaiting what a recording connection receives, with the harness timeout instead of sleeping.</summary>
internal static class EventWaits
{
    public static Task WaitForAsync(this RecordingClientConnection connection, Func<IReadOnlyList<ClientEvent>, bool> condition)
        => connection.WhenAsync(condition).WaitAsync(EngineHarness.Timeout);

    public static Task WaitForMessagesAsync(this RecordingClientConnection connection, string conversationId, int count)
        => connection.WaitForAsync(events => events.Messages(conversationId).Count >= count);

    public static Task WaitForStatusAsync(this RecordingClientConnection connection, ReceiptStatus status, long seq)
        => connection.WaitForAsync(events => events.OfType<StatusEvent>().Any(s => s.Status == status && s.Seq == seq));

    public static IReadOnlyList<Message> Messages(this IReadOnlyList<ClientEvent> events, string conversationId)
        => [.. events.OfType<MessageEvent>().Select(e => e.Message).Where(m => m.ConversationId == conversationId)];

    public static IReadOnlyList<Message> Messages(this RecordingClientConnection connection, string conversationId)
        => connection.Events.Messages(conversationId);

    public static SendMessageRequest Text(string conversationId, string content, string? clientMsgId = null)
        => new(conversationId, content, clientMsgId ?? Guid.NewGuid().ToString("N"));
}
