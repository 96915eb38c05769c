// The client snippet of README.md, verbatim (ReadmeSnippetTests checks that it stays so).
using Messaging.Client;

namespace Messaging.Docs.Tests.Snippets;

/// <summary>The README's client code, compiled as written.</summary>
internal static class ReadmeClient
{
    /// <summary>The README's client <c>Program.cs</c>: connects as the token's user and says hello to bob.</summary>
    /// <param name="args">The server's address and an access token.</param>
    public static async Task HelloBobAsync(string[] args)
    {
        var serverUri = new Uri(args[0]);       // where MapMessaging() listens, e.g. http://localhost:5000
        var accessToken = args[1];              // a token the server's authentication accepts, e.g. from dotnet user-jwts
        await using var client = new MessagingClient(new MessagingClientOptions
        {
            ServerUri = serverUri,
            AccessTokenProvider = _ => ValueTask.FromResult(accessToken),
        });
        client.MessageReceived += (_, e) => Console.WriteLine($"{e.Message.SenderId}: {e.Message.Content}");
        await client.ConnectAsync();
        var chat = await client.CreateDirectConversationAsync("bob");
        await client.SendAsync(chat.ConversationId, "Hello!");
    }
}
