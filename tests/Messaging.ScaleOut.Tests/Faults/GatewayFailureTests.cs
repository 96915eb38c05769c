using Messaging.Testing;
using Messaging.ScaleOut.Tests.Infrastructure;

namespace Messaging.ScaleOut.Tests.Faults;

public sealed class GatewayFailureTests
{
    [Fact]
    public async Task Clients_of_a_gateway_killed_mid_stream_reconnect_to_another_and_lose_nothing()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var gateways = await Gateways.StartAsync(redis);
        await using var alice = await ChatUser.ConnectAsync(gateways, 0, "alice");
        await using var bob = await ChatUser.ConnectAsync(gateways, 0, "bob");
        await using var carol = await ChatUser.ConnectAsync(gateways, 2, "carol");
        var chat = await alice.Client.CreateDirectConversationAsync(bob.UserId, TestContext.Current.CancellationToken);
        var group = await carol.Client.CreateGroupAsync("watchers", [alice.UserId, bob.UserId], TestContext.Current.CancellationToken);

        var sender = new Sender(alice, chat.ConversationId);
        var sending = sender.RunAsync(40);
        await sender.Acknowledged(10);
        await gateways.KillAsync(0);
        await sending;

        Assert.True(alice.Handler.Failovers > 0 && bob.Handler.Failovers > 0, "both clients of the killed gateway moved");
        Assert.True(sender.Sent.Count >= 30, $"only {sender.Sent.Count} of 40 sends were acknowledged ({sender.Failed} failed)");
        await DeliveryChecks.AssertEveryAcknowledgedMessageArrivesOnceInOrderAsync(bob, chat.ConversationId, sender.Sent);

        // The moved clients are live members of the cluster again: a group message from the surviving gateway reaches them.
        var hello = await carol.Client.SendAsync(group.ConversationId, "still there?", cancellationToken: TestContext.Current.CancellationToken);
        await alice.WaitForAsync<Messaging.Client.MessageReceivedEvent>(e => e.Message.MessageId == hello.MessageId, "the group message on alice's new gateway");
        await bob.WaitForAsync<Messaging.Client.MessageReceivedEvent>(e => e.Message.MessageId == hello.MessageId, "the group message on bob's new gateway");
    }
}
