using System.Collections.Concurrent;
using Messaging.Browser.Tests.Hosting;
using Messaging.Browser.Tests.Pages;
using static Microsoft.Playwright.Assertions;

namespace Messaging.Browser.Tests;

/// <summary>The composer: the server's content limit is checked before anything is sent.</summary>
public sealed class ComposerTests(ChromiumFixture chromium)
{
    // MessagingOptions.MaxContentLength's default, in UTF-16 code units as the server counts them.
    private const int MaxContentLength = 16_384;

    [Fact]
    public async Task A_message_over_the_content_limit_cannot_be_sent_and_says_by_how_much()
    {
        var browser = await chromium.GetBrowserAsync();
        await using var server = new ChatServerHost();
        var address = server.Start();
        var sent = new ConcurrentQueue<string>();
        await using var alice = await ChatPage.SignInAsync(browser, address, "alice", page =>
        {
            page.WebSocket += (_, socket) => socket.FrameSent += (_, frame) => sent.Enqueue(frame.Text ?? string.Empty);
            return Task.CompletedTask;
        });
        await alice.StartDirectChatAsync("bob");

        await alice.ComposerInput.FillAsync(new string('a', MaxContentLength + 5));
        await Expect(alice.SendButton).ToBeDisabledAsync();
        await Expect(alice.ComposerLimit).ToBeVisibleAsync();
        await Expect(alice.ComposerLimit).ToHaveTextAsync("5 characters over the 16,384 limit");
        await alice.ScreenshotAsync("composer-over-limit");
        await alice.ComposerInput.PressAsync("Enter");
        await alice.SendButton.ClickAsync(new() { Force = true });
        await Expect(alice.ComposerInput).ToHaveValueAsync(new string('a', MaxContentLength + 5));
        await Expect(alice.Messages).ToHaveCountAsync(0);
        Assert.Contains(sent, frame => frame.Contains("\"type\":\"presence_subscribe\"", StringComparison.Ordinal));
        Assert.DoesNotContain(sent, frame => frame.Contains("\"type\":\"message\"", StringComparison.Ordinal));

        // Near the limit the remaining count shows; at the limit exactly the message goes through.
        await alice.ComposerInput.FillAsync(new string('b', MaxContentLength - 10));
        await Expect(alice.ComposerLimit).ToHaveTextAsync("10 characters left");
        var longest = new string('c', MaxContentLength);
        await alice.ComposerInput.FillAsync(longest);
        await Expect(alice.ComposerLimit).ToHaveTextAsync("0 characters left");
        await Expect(alice.SendButton).ToBeEnabledAsync();
        await alice.ComposerInput.PressAsync("Enter");
        await Expect(alice.Messages).ToHaveCountAsync(1);
        await Expect(alice.Messages.First).ToHaveAttributeAsync("data-status", "sent");
        await Expect(alice.ComposerLimit).ToBeHiddenAsync();
        Assert.Empty(alice.Errors);
    }
}
