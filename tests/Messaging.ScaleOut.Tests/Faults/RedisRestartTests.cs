using Messaging.Testing;
using Messaging.ScaleOut.Tests.Infrastructure;

namespace Messaging.ScaleOut.Tests.Faults;

public sealed class RedisRestartTests
{
    [Fact]
    public async Task A_Redis_restart_mid_stream_with_an_append_only_file_loses_nothing_acknowledged_and_reuses_no_seq()
    {
        await using var redis = await RedisServer.StartAsync(persistent: true);
        await using var gateways = await Gateways.StartAsync(redis);
        await using var alice = await ChatUser.ConnectAsync(gateways, 0, "alice");
        await using var bob = await ChatUser.ConnectAsync(gateways, 1, "bob");
        var chat = await alice.Client.CreateDirectConversationAsync(bob.UserId, TestContext.Current.CancellationToken);

        var before = new Sender(alice, chat.ConversationId);
        var sending = before.RunAsync(30);
        await before.Acknowledged(10);
        await redis.RestartAsync();
        await sending;

        // Messages published while bob's gateway was still re-subscribing are lost by pub/sub; no later message reveals
        // the gap, so only the engine's refill after the backplane reported its restored subscriptions delivers them.
        await DeliveryChecks.AssertEveryAcknowledgedMessageArrivesOnceInOrderAsync(bob, chat.ConversationId, before.Sent);

        // After the restart the backplane is subscribed again: new messages reach the other gateway live.
        var after = new Sender(alice, chat.ConversationId);
        await after.RunAsync(5);
        Assert.Equal(5, after.Sent.Count);

        var sent = before.Sent.Concat(after.Sent).ToArray();
        Assert.True(sent.Length >= 15, $"only {sent.Length} sends were acknowledged ({before.Failed} failed)");
        await DeliveryChecks.AssertEveryAcknowledgedMessageArrivesOnceInOrderAsync(bob, chat.ConversationId, sent);

        // The store kept every acknowledged message under the seq it was acknowledged with.
        var stored = await bob.Client.GetMessagesAsync(chat.ConversationId, after: 0, limit: 100, cancellationToken: TestContext.Current.CancellationToken);
        foreach (var message in sent)
        {
            Assert.Equal(message.MessageId, Assert.Single(stored, m => m.Seq == message.Seq).MessageId);
        }
    }
}
