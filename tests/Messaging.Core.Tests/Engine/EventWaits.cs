using Messaging.Conformance;
using Xunit;

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

    /// <summary>Sends <paramref name="count"/> text messages one after the other; contents are the prefix and an index.</summary>
    public static async Task<List<Message>> SendTextsAsync(this MessagingSession session, string conversationId, int count, string prefix = "m")
    {
        var sent = new List<Message>(count);
        for (var i = 0; i < count; i++)
        {
            sent.Add((await session.SendAsync(Text(conversationId, $"{prefix}{i}"), TestContext.Current.CancellationToken)).Message);
        }

        return sent;
    }

    /// <summary>The presence events of one user, in the order they arrived.</summary>
    public static List<PresenceInfo> Presences(this IReadOnlyList<ClientEvent> events, string userId)
        => [.. events.OfType<PresenceEvent>().Select(p => p.Presence).Where(p => p.UserId == userId)];

    /// <summary>Polls a condition that background work makes true (a loop on the fake clock, a transport's thread).</summary>
    public static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + EngineHarness.Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    public static SendMessageRequest Text(string conversationId, string content, string? clientMsgId = null)
        => new(conversationId, content, clientMsgId ?? Guid.NewGuid().ToString("N"));
}
