using Messaging.Browser.Tests.Hosting;

namespace Messaging.Browser.Tests.Pages;

/// <summary>The sample server with alice and bob signed in and their direct chat open on alice's page.</summary>
internal sealed record TwoUserChat(ChatServerHost Server, ChatPage Alice, ChatPage Bob) : IAsyncDisposable
{
    /// <summary>Starts the server (media stored under <paramref name="mediaRoot"/>) and opens the chat.</summary>
    public static async Task<TwoUserChat> StartAsync(IBrowser browser, string mediaRoot)
    {
        var server = new ChatServerHost(settings: new Dictionary<string, string?> { ["Messaging:MediaRoot"] = mediaRoot });
        var address = server.Start();
        var alice = await ChatPage.SignInAsync(browser, address, "alice");
        var bob = await ChatPage.SignInAsync(browser, address, "bob");
        await alice.StartDirectChatAsync("bob");
        return new TwoUserChat(server, alice, bob);
    }

    public async ValueTask DisposeAsync()
    {
        await Alice.DisposeAsync();
        await Bob.DisposeAsync();
        await Server.DisposeAsync();
    }
}
