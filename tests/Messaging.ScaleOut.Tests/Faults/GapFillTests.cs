using Messaging.Testing;
using Messaging.ScaleOut.Tests.Infrastructure;
using Messaging.Transports.Redis;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.ScaleOut.Tests.Faults;

public sealed class GapFillTests
{
    [Fact]
    public async Task A_gateway_that_missed_envelopes_fills_the_gap_from_the_store_when_the_next_message_arrives()
    {
        DroppingTransport? lossy = null;
        await using var redis = await RedisServer.StartAsync();
        await using var gateways = await Gateways.StartAsync(redis, configureServices: (index, services, connection) =>
        {
            if (index == 1)
            {
                services.AddSingleton<IMessageTransport>(_ => lossy = new DroppingTransport(new RedisMessageTransport(connection)));
            }
        });
        await using var alice = await ChatUser.ConnectAsync(gateways, 0, "alice");
        await using var bob = await ChatUser.ConnectAsync(gateways, 1, "bob");
        var chat = await alice.Client.CreateDirectConversationAsync(bob.UserId, TestContext.Current.CancellationToken);

        var first = await alice.Client.SendAsync(chat.ConversationId, "first", cancellationToken: TestContext.Current.CancellationToken);
        await bob.WaitForMessagesAsync(chat.ConversationId, 1);

        Assert.NotNull(lossy);
        lossy.DropConversation = chat.ConversationId;
        var lost = new Sender(alice, chat.ConversationId);
        await lost.RunAsync(3);
        await WaitForDropsAsync(lossy, 3);
        lossy.DropConversation = null;

        var next = await alice.Client.SendAsync(chat.ConversationId, "next", cancellationToken: TestContext.Current.CancellationToken);
        var received = await bob.WaitForMessagesAsync(chat.ConversationId, 5);
        Assert.Equal([first.MessageId, .. lost.Sent.Select(s => s.MessageId), next.MessageId], received.Select(m => m.MessageId));
        Assert.Equal([1L, 2, 3, 4, 5], received.Select(m => m.Seq));
    }

    // The drops happen on the subscriber's read loop after the sender's acknowledgement; the counter is the signal.
    private static async Task WaitForDropsAsync(DroppingTransport transport, int count)
    {
        var deadline = DateTime.UtcNow + ChatUser.Timeout;
        while (transport.Dropped < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {transport.Dropped} of {count} envelopes were dropped");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
