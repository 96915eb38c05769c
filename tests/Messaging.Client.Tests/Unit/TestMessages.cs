using Messaging.Protocol;

namespace Messaging.Client.Tests.Unit;

internal static class TestMessages
{
    public static MessageData Create(string conversationId, long seq, string senderId = "bob") => new()
    {
        MessageId = $"{conversationId}-m{seq}",
        ConversationId = conversationId,
        Seq = seq,
        SenderId = senderId,
        ClientMsgId = $"{conversationId}-c{seq}",
        Content = $"message {seq}",
        Timestamp = DateTimeOffset.UnixEpoch.AddSeconds(seq),
    };
}
