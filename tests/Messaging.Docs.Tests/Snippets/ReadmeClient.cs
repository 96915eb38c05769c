// The client snippet of README.md, verbatim (ReadmeSnippetTests checks that it stays so).
using Messaging.Client;

namespace Messaging.Docs.Tests.Snippets;

/// <summary>The README's client code, compiled as written.</summary>
internal static class ReadmeClient
{
    /// <summary>Connects as the token's user and says hello to bob.</summary>
    public static async Task HelloBobAsync(Uri serverUri, string accessToken)
    {
        await using var client = new MessagingClient(new MessagingClientOptions
        {
            ServerUri = serverUri,                                   // where MapMessaging() listens, e.g. http://localhost:5000
            AccessTokenProvider = _ => ValueTask.FromResult(accessToken),   // a token the server's authentication accepts
        });
        client.MessageReceived += (_, e) => Console.WriteLine($"{e.Message.SenderId}: {e.Message.Content}");
        await client.ConnectAsync();
        var chat = await client.CreateDirectConversationAsync("bob");
        await client.SendAsync(chat.ConversationId, "Hello!");
    }
}
