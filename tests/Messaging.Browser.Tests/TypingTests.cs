using System.Text.Json;
using Messaging.Browser.Tests.Hosting;
using Messaging.Browser.Tests.Pages;
using static Microsoft.Playwright.Assertions;

namespace Messaging.Browser.Tests;

/// <summary>Typing indicators across a send: the peer keeps seeing "typing…" while the typist goes on writing.</summary>
public sealed class TypingTests(ChromiumFixture chromium)
{
    [Fact]
    public async Task Typing_stays_visible_when_the_typist_sends_and_keeps_typing_and_stays_throttled()
    {
        var browser = await chromium.GetBrowserAsync();
        await using var server = new ChatServerHost();
        var address = server.Start();
        // Alice's first "typing" from Bob after his message reached her (listening before her page opens its socket).
        var messageSeen = false;
        var typingAfterMessage = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var alice = await ChatPage.SignInAsync(browser, address, "alice", page =>
        {
            page.WebSocket += (_, socket) => socket.FrameReceived += (_, frame) =>
            {
                var received = Parse(frame.Text);
                var type = received?.GetProperty("type").GetString();
                if (type == "message" && received!.Value.GetProperty("content").GetString() == "Yes, one moment")
                {
                    messageSeen = true;
                }
                else if (type == "typing" && messageSeen && received!.Value.GetProperty("is_typing").GetBoolean())
                {
                    typingAfterMessage.TrySetResult();
                }
            };

            // Her page notes when (by its own clock) each "typing" frame arrives, before the app handles it.
            return page.AddInitScriptAsync(
                """
                (() => {
                  window.typingReceived = [];
                  const Native = window.WebSocket;
                  window.WebSocket = class extends Native {
                    constructor(...args) {
                      super(...args);
                      this.addEventListener('message', (event) => {
                        const frame = JSON.parse(event.data);
                        if (frame.type === 'typing' && frame.is_typing) window.typingReceived.push(performance.now());
                      });
                    }
                  };
                })();
                """);
        });
        // Bob's page notes when (by its own clock) it hands each typing frame to its socket.
        await using var bob = await ChatPage.SignInAsync(browser, address, "bob", page => page.AddInitScriptAsync(
            """
            (() => {
              window.typingSent = [];
              const send = WebSocket.prototype.send;
              WebSocket.prototype.send = function (data) {
                const frame = JSON.parse(data);
                if (frame.type === 'typing') window.typingSent.push({ at: performance.now(), isTyping: frame.is_typing });
                return send.call(this, data);
              };
            })();
            """));
        await alice.StartDirectChatAsync("bob");
        await alice.SendAsync("Are you there?");
        await bob.OpenConversationAsync("alice");

        await bob.ComposerInput.PressSequentiallyAsync("Yes, one moment");
        await Expect(alice.TypingIndicator).ToBeVisibleAsync();
        await alice.Page.EvaluateAsync(
            """
            () => {
              // Each time the indicator goes off: how long after the last "typing" frame it had received.
              window.typingHidden = [];
              const indicator = document.querySelector('[data-testid=typing-indicator]');
              new MutationObserver(() => {
                if (indicator.hidden) window.typingHidden.push(performance.now() - window.typingReceived.at(-1));
              }).observe(indicator, { attributes: true, attributeFilter: ['hidden'] });
            }
            """);

        // Bob sends and goes straight on writing at a person's pace, until his next "typing" reaches Alice.
        await bob.ComposerInput.PressAsync("Enter");
        var typist = bob.ComposerInput.PressSequentiallyAsync("I am writing you a longer answer now, hold on", new() { Delay = 120, Timeout = 90_000 });
        await Expect(alice.Message("Yes, one moment")).ToBeVisibleAsync();
        await typingAfterMessage.Task.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        // Bob's message must not take the indicator off. It may go off by the protocol's expiry (3 s without a
        // "typing"), when a loaded machine delays Bob's repeat (every 2.5 s) past it, but never sooner.
        var hiddenAfter = await alice.Page.EvaluateAsync<double[]>("() => window.typingHidden");
        Assert.All(hiddenAfter, ms => Assert.True(ms >= 2_900, $"The indicator went off {ms:F0} ms after the last \"typing\", before its expiry."));
        await Expect(alice.TypingIndicator).ToHaveTextAsync("typing…");
        await typist;

        // When Bob stops, the indicator goes away; Bob's "typing" frames stayed throttled throughout.
        await Expect(alice.TypingIndicator).ToBeHiddenAsync();
        var started = await bob.Page.EvaluateAsync<double[]>("() => window.typingSent.filter((f) => f.isTyping).map((f) => f.at)");
        Assert.True(started.Length >= 2, $"{started.Length} typing frames");
        Assert.All(started.Zip(started.Skip(1)), pair => Assert.True(pair.Second - pair.First >= 2000, $"{pair.Second - pair.First} ms apart"));
        Assert.Empty(alice.Errors);
        Assert.Empty(bob.Errors);
    }

    private static JsonElement? Parse(string? text) => text is null ? null : JsonDocument.Parse(text).RootElement;
}
