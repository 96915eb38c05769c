using Messaging.Client.Tests.TestSupport;
using Messaging.Testing;

namespace Messaging.Client.Tests.EndToEnd;

public sealed class CatchUpTests
{
    [Fact]
    public async Task A_client_that_was_offline_catches_up_on_more_messages_than_one_catch_up_batch_in_order()
    {
        await using var server = await ChatServer.StartAsync(o => o.ConfigureMessaging = m => m.CatchUpBatchSize = 16, TestContext.Current.CancellationToken);
        await using var chat = await DirectChat.OpenAsync(server.BaseUri, connectBob: false);
        for (var i = 1; i <= 50; i++)
        {
            await chat.Alice.Client.SendAsync(chat.ConversationId, $"#{i}", cancellationToken: TestContext.Current.CancellationToken);
        }

        await chat.Bob.Client.ConnectAsync(TestContext.Current.CancellationToken);
        var live = await chat.Alice.Client.SendAsync(chat.ConversationId, "live", cancellationToken: TestContext.Current.CancellationToken);
        var received = await chat.Bob.WaitForMessagesAsync(chat.ConversationId, 51);

        Assert.Equal(Enumerable.Range(1, 51).Select(i => (long)i), received.Select(m => m.Seq));
        Assert.Equal(live.MessageId, received[^1].MessageId);
    }

    [Fact]
    public async Task Catch_up_covers_every_conversation_the_user_missed_messages_in()
    {
        await using var server = await ChatServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var bobId = Users.Unique("bob");
        await using var bob = RecordingClient.Create(server.BaseUri, bobId);
        var senders = new List<RecordingClient>();
        var conversations = new List<string>();
        try
        {
            for (var s = 0; s < 3; s++)
            {
                var sender = await RecordingClient.ConnectAsync(server, Users.Unique("friend"));
                senders.Add(sender);
                var conversation = await sender.Client.CreateDirectConversationAsync(bobId, TestContext.Current.CancellationToken);
                conversations.Add(conversation.ConversationId);
                for (var i = 1; i <= 5; i++)
                {
                    await sender.Client.SendAsync(conversation.ConversationId, $"{s}:{i}", cancellationToken: TestContext.Current.CancellationToken);
                }
            }

            await bob.Client.ConnectAsync(TestContext.Current.CancellationToken);

            foreach (var conversationId in conversations)
            {
                var received = await bob.WaitForMessagesAsync(conversationId, 5);
                Assert.Equal([1L, 2L, 3L, 4L, 5L], received.Select(m => m.Seq));
            }
        }
        finally
        {
            foreach (var sender in senders)
            {
                await sender.DisposeAsync();
            }
        }
    }
}
