using System.Text.RegularExpressions;
using Messaging.Browser.Tests.Hosting;
using Messaging.Browser.Tests.Pages;
using static Microsoft.Playwright.Assertions;

namespace Messaging.Browser.Tests;

/// <summary>The sample chat UI in a real browser against the real sample server, one page per user.</summary>
public sealed class ChatUiTests(ChromiumFixture chromium)
{
    [Fact]
    public async Task Two_users_chat_with_read_receipts_typing_and_presence()
    {
        var browser = await chromium.GetBrowserAsync();
        await using var server = new ChatServerHost();
        var address = server.Start();
        await using var alice = await ChatPage.SignInAsync(browser, address, "alice");
        await using var bob = await ChatPage.SignInAsync(browser, address, "bob");

        await alice.StartDirectChatAsync("bob");
        await Expect(alice.Presence).ToHaveTextAsync("online");

        const string hello = "Hello Bob! Lunch at 12:30? 🍜";
        await alice.SendAsync(hello);
        var sent = alice.Message(hello);
        // Bob's page is connected but his chat is not open: delivered (grey), not read.
        await Expect(sent).ToHaveAttributeAsync("data-status", "delivered");
        var conversation = bob.Conversation("alice");
        await Expect(conversation.GetByTestId("conversation-preview")).ToContainTextAsync(hello);
        await Expect(conversation.GetByTestId("unread-badge")).ToHaveTextAsync("1");

        await bob.OpenConversationAsync("alice");
        await Expect(bob.Message(hello)).ToBeVisibleAsync();
        await Expect(sent).ToHaveAttributeAsync("data-status", "read");
        await Expect(conversation.GetByTestId("unread-badge")).ToBeHiddenAsync();
        await Expect(bob.Presence).ToHaveTextAsync("online");

        const string reply = "Sounds great, see you there!";
        await bob.ComposerInput.FillAsync(reply);
        await Expect(alice.TypingIndicator).ToBeVisibleAsync();
        await Expect(alice.TypingIndicator).ToHaveTextAsync("typing…");
        await alice.ScreenshotAsync("chat-alice-sees-typing");
        await bob.ScreenshotAsync("chat-bob-typing");

        await bob.ComposerInput.PressAsync("Enter");
        await Expect(alice.Message(reply)).ToBeVisibleAsync();
        await Expect(alice.TypingIndicator).ToBeHiddenAsync();
        await Expect(bob.Message(reply)).ToHaveAttributeAsync("data-status", "read");
        await Expect(alice.Messages).ToHaveCountAsync(2);
        await Expect(bob.Messages).ToHaveCountAsync(2);
        await alice.ScreenshotAsync("chat-alice");
        await bob.ScreenshotAsync("chat-bob");
        Assert.Empty(alice.Errors);
        Assert.Empty(bob.Errors);

        // Bob leaves: after the server's grace period Alice sees when he was last online.
        await bob.Page.CloseAsync();
        await Expect(alice.Presence).ToHaveTextAsync(new Regex("^last seen (today|yesterday) at \\d\\d:\\d\\d$"));
    }

    [Fact]
    public async Task Group_message_turns_read_only_after_every_member_has_read_it()
    {
        var browser = await chromium.GetBrowserAsync();
        await using var server = new ChatServerHost();
        var address = server.Start();
        await using var alice = await ChatPage.SignInAsync(browser, address, "alice");
        await using var bob = await ChatPage.SignInAsync(browser, address, "bob");
        await using var carol = await ChatPage.SignInAsync(browser, address, "carol");

        await alice.CreateGroupAsync("Weekend trip", "bob, carol");
        await Expect(alice.Presence).ToHaveTextAsync("bob, carol, You");
        const string plan = "Train leaves at 9 on Saturday";
        await alice.SendAsync(plan);
        var sent = alice.Message(plan);
        await Expect(sent).ToHaveAttributeAsync("data-status", "delivered");

        await bob.OpenConversationAsync("Weekend trip");
        await Expect(bob.Message(plan).GetByTestId("message-sender")).ToHaveTextAsync("alice");
        await Expect(carol.Conversation("Weekend trip").GetByTestId("unread-badge")).ToHaveTextAsync("1");
        // Once the server has recorded Bob's read, Carol still has not read it: the ticks stay grey.
        var messageId = await sent.GetAttributeAsync("data-message-id");
        await alice.Page.WaitForFunctionAsync(
            """
            async (id) => {
              const response = await fetch(`/messages/${id}/receipts`, { headers: { Authorization: 'Bearer alice' } });
              const body = await response.json();
              return body.receipts.some((receipt) => receipt.user_id === 'bob' && receipt.read_at);
            }
            """,
            messageId,
            new() { PollingInterval = 100 });
        await Expect(sent).ToHaveAttributeAsync("data-status", "delivered");

        await carol.OpenConversationAsync("Weekend trip");
        await Expect(sent).ToHaveAttributeAsync("data-status", "read");
        await carol.ScreenshotAsync("group-carol");

        Assert.Empty(alice.Errors);
        Assert.Empty(bob.Errors);
        Assert.Empty(carol.Errors);
    }

    [Fact]
    public async Task Message_text_is_shown_as_text_never_as_markup()
    {
        var browser = await chromium.GetBrowserAsync();
        await using var server = new ChatServerHost();
        var address = server.Start();
        await using var alice = await ChatPage.SignInAsync(browser, address, "alice");
        await using var bob = await ChatPage.SignInAsync(browser, address, "bob");

        const string payload = "<img src=x onerror=\"window.injected = true\"><b>bold</b>";
        await alice.StartDirectChatAsync("bob");
        await alice.SendAsync(payload);
        await Expect(bob.Conversation("alice").GetByTestId("conversation-preview")).ToContainTextAsync("<b>bold</b>");
        await bob.OpenConversationAsync("alice");

        await Expect(bob.Message(payload)).ToBeVisibleAsync();
        Assert.Equal(0, await bob.Page.Locator("main img, main b, aside img, aside b").CountAsync());
        Assert.False(await bob.Page.EvaluateAsync<bool>("() => window.injected === true"));
    }
}
