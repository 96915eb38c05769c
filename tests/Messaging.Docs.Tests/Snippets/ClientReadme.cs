// The snippets of src/Messaging.Client/README.md, verbatim.
using Messaging.Client;
using Messaging.Protocol;

namespace Messaging.Docs.Tests.Snippets;

/// <summary>The client package's README code, compiled as written.</summary>
internal static class ClientReadme
{
    /// <summary>Usage: events, a direct chat, presence, typing, a message and a read receipt.</summary>
    public static async Task UsageAsync(string token)
    {
        await using var client = new MessagingClient(new MessagingClientOptions
        {
            ServerUri = new Uri("http://localhost:5000/"),
            AccessTokenProvider = _ => ValueTask.FromResult(token),
            DeviceId = "phone",
        });

        client.MessageReceived += (_, e) => Console.WriteLine($"{e.Message.SenderId}: {e.Message.Content}");
        client.StatusChanged += (_, e) => Console.WriteLine($"{e.MessageId} is {e.Status}");
        client.TypingChanged += (_, e) => Console.WriteLine($"{e.UserId} {(e.IsTyping ? "is typing" : "stopped typing")}");

        await client.ConnectAsync();

        var chat = await client.CreateDirectConversationAsync("bob");
        await client.SubscribePresenceAsync(["bob"]);
        await client.NotifyTypingAsync(chat.ConversationId);
        SentMessage sent = await client.SendAsync(chat.ConversationId, "Hello!");
        await client.MarkReadAsync(chat.ConversationId, sent.Seq);
    }

    /// <summary>Everything as one ordered stream.</summary>
    public static async Task EventStreamAsync(MessagingClient client, CancellationToken cancellationToken)
    {
        await foreach (var clientEvent in client.ReadEventsAsync(cancellationToken))
        {
            switch (clientEvent)
            {
                case MessageReceivedEvent e: /* ... */ break;
                case MessageStatusChangedEvent e: /* ... */ break;
                case ConnectionStateChangedEvent e: /* ... */ break;
            }
        }
    }

    /// <summary>A media message.</summary>
    public static async Task MediaAsync(MessagingClient client, string conversationId)
    {
        await using var file = File.OpenRead("holiday.jpg");
        var sent = await client.SendMediaAsync(conversationId, file, "holiday.jpg", "image/jpeg", caption: "Day one",
            progress: new Progress<long>(bytes => Console.WriteLine($"{bytes} bytes stored")));
    }
}
