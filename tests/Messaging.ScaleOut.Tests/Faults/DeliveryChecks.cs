using Messaging.Client;
using Messaging.Protocol;
using Messaging.ScaleOut.Tests.Infrastructure;

namespace Messaging.ScaleOut.Tests.Faults;

/// <summary>The end-to-end guarantee every fault test checks: what was acknowledged as sent arrives exactly once, in order.</summary>
internal static class DeliveryChecks
{
    /// <summary>
    /// Waits until <paramref name="receiver"/> has every message in <paramref name="sent"/> (acknowledged as sent), then
    /// checks that nothing arrived twice, that seqs only grow, and that no seq names two messages.
    /// </summary>
    public static async Task<IReadOnlyList<MessageData>> AssertEveryAcknowledgedMessageArrivesOnceInOrderAsync(ChatUser receiver, string conversationId, IReadOnlyList<SentMessage> sent)
    {
        Assert.Equal(sent.Count, sent.Select(s => s.Seq).Distinct().Count());
        var expected = sent.Select(s => s.MessageId).ToHashSet();
        await receiver.WaitUntilAsync(
            _ => expected.IsSubsetOf(receiver.Messages(conversationId).Select(m => m.MessageId)),
            $"all {expected.Count} acknowledged messages");

        var received = receiver.Messages(conversationId);
        Assert.Equal(received.Count, received.Select(m => m.MessageId).Distinct().Count());
        Assert.Equal(received.Select(m => m.Seq).Order(), received.Select(m => m.Seq));
        Assert.Equal(received.Count, received.Select(m => m.Seq).Distinct().Count());
        foreach (var message in sent)
        {
            Assert.Equal(message.Seq, received.Single(m => m.MessageId == message.MessageId).Seq);
        }

        return received;
    }
}
