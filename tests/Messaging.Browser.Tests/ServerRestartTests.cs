using Messaging.Browser.Tests.Hosting;
using Messaging.Browser.Tests.Pages;
using static Microsoft.Playwright.Assertions;

namespace Messaging.Browser.Tests;

/// <summary>An in-memory server restarts and forgets everything: the page notices, says so and starts afresh.</summary>
public sealed class ServerRestartTests(ChromiumFixture chromium)
{
    [Fact]
    public async Task After_a_restart_that_lost_all_state_the_page_drops_stale_chats_and_says_so()
    {
        var browser = await chromium.GetBrowserAsync();
        var first = new ChatServerHost();
        var address = first.Start();
        await using var alice = await ChatPage.SignInAsync(browser, address, "alice");
        await using var bob = await ChatPage.SignInAsync(browser, address, "bob");
        await alice.StartDirectChatAsync("bob");
        await alice.SendAsync("Before the restart");
        await bob.OpenConversationAsync("alice");
        await Expect(alice.Presence).ToHaveTextAsync("online");

        await first.DisposeAsync();
        await Expect(alice.ConnectionBanner).ToBeVisibleAsync();
        // Written while the server is away: it waits in the outbox for a conversation the next server never had.
        await alice.ComposerInput.FillAsync("Written while the server was down");
        await alice.ComposerInput.PressAsync("Enter");
        await Expect(alice.Message("Written while the server was down")).ToHaveAttributeAsync("data-status", "pending");

        await using var second = new ChatServerHost(port: address.Port);
        second.Start();
        await Expect(alice.ConnectionBanner).ToBeHiddenAsync(new() { Timeout = 30_000 });
        await Expect(alice.Toasts.Filter(new() { HasText = "lost" })).ToBeVisibleAsync();
        await alice.ScreenshotAsync("server-restart-notice");
        await Expect(alice.Toasts.Filter(new() { HasText = "not found" })).ToHaveCountAsync(0);
        await Expect(alice.Conversation("bob")).ToHaveCountAsync(0);
        await Expect(bob.Conversation("alice")).ToHaveCountAsync(0);
        await Expect(alice.Page.Locator("#chat-welcome")).ToBeVisibleAsync();
        await Expect(alice.Messages).ToHaveCountAsync(0);
        Assert.Equal(0, await alice.Page.EvaluateAsync<int>("() => JSON.parse(localStorage.getItem('messaging.outbox.alice') ?? '[]').length"));

        // The fresh server works as usual: the same chat started again carries messages both ways, with presence.
        await alice.StartDirectChatAsync("bob");
        await Expect(alice.Presence).ToHaveTextAsync("online");
        await alice.SendAsync("After the restart");
        await bob.OpenConversationAsync("alice");
        await Expect(bob.Messages).ToHaveCountAsync(1);
        await Expect(alice.Message("After the restart")).ToHaveAttributeAsync("data-status", "read");
        Assert.DoesNotContain(alice.Errors, error => error.Contains("not found", StringComparison.OrdinalIgnoreCase));
    }
}
