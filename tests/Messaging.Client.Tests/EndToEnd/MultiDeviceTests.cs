using Messaging.Client.Tests.TestSupport;
using Messaging.Testing;

namespace Messaging.Client.Tests.EndToEnd;

public sealed class MultiDeviceTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    [Fact]
    public async Task Both_devices_of_a_user_get_messages_and_each_others_sent_messages()
    {
        string aliceId = Users.Unique("alice"), bobId = Users.Unique("bob");
        await using var phone = await RecordingClient.ConnectAsync(fixture.Server, aliceId, "phone");
        await using var laptop = await RecordingClient.ConnectAsync(fixture.Server, aliceId, "laptop");
        await using var bob = await RecordingClient.ConnectAsync(fixture.Server, bobId);
        var chat = await bob.Client.CreateDirectConversationAsync(aliceId, TestContext.Current.CancellationToken);

        var fromBob = await bob.Client.SendAsync(chat.ConversationId, "hi alice", cancellationToken: TestContext.Current.CancellationToken);
        await phone.WaitForMessagesAsync(chat.ConversationId, 1);
        var fromPhone = await phone.Client.SendAsync(chat.ConversationId, "sent from my phone", cancellationToken: TestContext.Current.CancellationToken);
        var fromBobAgain = await bob.Client.SendAsync(chat.ConversationId, "nice phone", cancellationToken: TestContext.Current.CancellationToken);

        var atLaptop = await laptop.WaitForMessagesAsync(chat.ConversationId, 3);
        var atBob = await bob.WaitForMessagesAsync(chat.ConversationId, 1);
        var atPhone = await phone.WaitForMessagesAsync(chat.ConversationId, 2);

        Assert.Equal([fromBob.MessageId, fromPhone.MessageId, fromBobAgain.MessageId], atLaptop.Select(m => m.MessageId));
        Assert.Equal(aliceId, atLaptop[1].SenderId);
        Assert.Equal(fromPhone.MessageId, Assert.Single(atBob).MessageId);

        // The phone already has its own message from SendAsync: it is neither raised again nor taken for a gap.
        Assert.Equal([fromBob.MessageId, fromBobAgain.MessageId], atPhone.Select(m => m.MessageId));
    }
}
