using System.Text.RegularExpressions;
using Messaging.Browser.Tests.Hosting;
using Messaging.Browser.Tests.Pages;
using static Microsoft.Playwright.Assertions;

namespace Messaging.Browser.Tests;

/// <summary>Receipt marks are watermarks: a status known for one own message holds for every earlier one.</summary>
public sealed class ReceiptTests(ChromiumFixture chromium)
{
    [Fact]
    public async Task After_a_reload_every_own_message_up_to_the_read_one_shows_read()
    {
        var browser = await chromium.GetBrowserAsync();
        await using var server = new ChatServerHost();
        var address = server.Start();
        await using var alice = await ChatPage.SignInAsync(browser, address, "alice");
        await using var bob = await ChatPage.SignInAsync(browser, address, "bob");
        string[] texts = ["one", "two", "three"];

        await alice.StartDirectChatAsync("bob");
        foreach (var text in texts)
        {
            await alice.SendAsync(text);
        }

        await bob.OpenConversationAsync("alice");
        await Expect(alice.Message("three")).ToHaveAttributeAsync("data-status", "read");

        // After the reload the chat list's summary says the newest message is read; history loads the older ones
        // after that answer (held back until it has arrived, so the order does not depend on timing). The socket
        // reaches no server, so what the page shows comes from REST alone, not from a catch-up that replays them.
        await alice.Page.RouteWebSocketAsync(new Regex(@"/ws\?"), _ => { });
        var receiptsAnswered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        alice.Page.Response += (_, response) =>
        {
            if (response.Url.Contains("/receipts", StringComparison.Ordinal))
            {
                receiptsAnswered.TrySetResult();
            }
        };
        await alice.Page.RouteAsync(new Regex("/conversations/[^/]+/messages"), async route =>
        {
            await receiptsAnswered.Task.WaitAsync(TimeSpan.FromSeconds(15));
            await route.ContinueAsync();
        });
        await alice.Page.ReloadAsync();
        await Expect(alice.Page.GetByTestId("me-name")).ToHaveTextAsync("alice");
        await alice.OpenConversationAsync("bob");
        await Expect(alice.Messages).ToHaveCountAsync(3);
        foreach (var text in texts)
        {
            await Expect(alice.Message(text)).ToHaveAttributeAsync("data-status", "read");
        }

        Assert.Empty(alice.Errors);
    }
}
