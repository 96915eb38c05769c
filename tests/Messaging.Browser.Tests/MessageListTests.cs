using System.Text.RegularExpressions;
using System.Text.Json;
using Messaging.Browser.Tests.Hosting;
using Messaging.Browser.Tests.Pages;
using static Microsoft.Playwright.Assertions;

namespace Messaging.Browser.Tests;

/// <summary>The message list's layout: following new messages at the bottom, and where times and marks sit.</summary>
public sealed class MessageListTests(ChromiumFixture chromium) : IDisposable
{
    // Paints a PNG of the given size in the browser and returns it as base64 (a real image that really decodes).
    private const string PaintPngScript =
        """
        async ([width, height]) => {
          const canvas = new OffscreenCanvas(width, height);
          const context = canvas.getContext('2d');
          context.fillStyle = '#2a9d8f';
          context.fillRect(0, 0, width, height);
          context.fillStyle = '#e9c46a';
          context.fillRect(width / 4, height / 4, width / 2, height / 2);
          const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
          let binary = '';
          for (const byte of bytes) binary += String.fromCharCode(byte);
          return btoa(binary);
        }
        """;

    private readonly string _mediaRoot = Path.Combine(Path.GetTempPath(), "messaging-ui-media-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task A_reader_at_the_bottom_keeps_following_after_an_image_arrives_and_a_reader_above_stays_put()
    {
        await using var chat = await OpenChatAsync();
        var (alice, bob) = (chat.Alice, chat.Bob);
        for (var i = 1; i <= 14; i++)
        {
            await alice.SendAsync($"Message number {i} to fill the screen");
        }

        await bob.OpenConversationAsync("alice");
        await Expect(bob.Messages).ToHaveCountAsync(14);
        await bob.WaitForBottomAsync();

        // The image's height is known only once it has loaded, after its bubble was laid out.
        await SendImageAsync(alice, "photo.png", 240, 240);
        await WaitForImagesAsync(bob, 1);
        await bob.WaitForBottomAsync();
        await bob.ScreenshotAsync("message-list-after-image");

        await alice.SendAsync("Did you see the photo?");
        await Expect(bob.Message("Did you see the photo?")).ToBeVisibleAsync();
        await bob.WaitForBottomAsync();
        await alice.SendAsync("And now?");
        await Expect(bob.Message("And now?")).ToBeVisibleAsync();
        await bob.WaitForBottomAsync();

        // A reader who scrolled up to read older messages is not pulled down by a newly loaded image.
        await bob.Page.EvaluateAsync("() => { document.getElementById('message-scroller').scrollTop = 200; }");
        await bob.Page.WaitForFunctionAsync("() => document.getElementById('message-scroller').scrollTop === 200");
        await SendImageAsync(alice, "second.png", 200, 300);
        await WaitForImagesAsync(bob, 2);
        await bob.Page.EvaluateAsync("() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))");
        Assert.Equal(200, await bob.Page.EvaluateAsync<double>("() => document.getElementById('message-scroller').scrollTop"));
        Assert.True(await bob.DistanceFromBottomAsync() > 300);
        Assert.Empty(bob.Errors);
    }

    [Fact]
    public async Task Times_and_marks_never_touch_the_text_or_a_file_link()
    {
        // Bob reads with a 12-hour clock: "10:30 PM" is wider than "22:30".
        var browser = await chromium.GetBrowserAsync();
        await using var server = new ChatServerHost(settings: new Dictionary<string, string?> { ["Messaging:MediaRoot"] = _mediaRoot });
        var address = server.Start();
        await using var alice = await ChatPage.SignInAsync(browser, address, "alice");
        await using var bob = await ChatPage.SignInAsync(browser, address, "bob", locale: "en-US");
        await alice.StartDirectChatAsync("bob");

        // Short, medium and long texts, and lengths that end a line at every point of the bubble's width.
        List<string> texts = ["ok", "Sounds good 👍", "A somewhat longer message that still fits on one line",
            string.Concat(Enumerable.Repeat("unbroken", 40))];
        var words = "The quick brown fox jumps over the lazy dog while the cat watches from the warm windowsill".Split(' ');
        for (var count = 3; count <= 34; count++)
        {
            texts.Add(string.Join(' ', Enumerable.Range(0, count).Select(i => words[i % words.Length])) + $" {count}");
        }

        foreach (var text in texts)
        {
            await alice.SendAsync(text);
        }

        await alice.Page.GetByTestId("attach-input").SetInputFilesAsync(new FilePayload
        {
            Name = "quarterly-report-final.pdf", MimeType = "application/pdf", Buffer = "%PDF-1.4\n"u8.ToArray(),
        });
        await alice.Page.GetByTestId("attach-input").SetInputFilesAsync(new FilePayload
        {
            Name = "a.bin", MimeType = "application/octet-stream", Buffer = [1, 2, 3],
        });
        await Expect(alice.Page.GetByTestId("attachment-link")).ToHaveCountAsync(2);
        await bob.OpenConversationAsync("alice");
        await Expect(bob.Page.GetByTestId("attachment-link")).ToHaveCountAsync(2);
        await Expect(bob.Messages).ToHaveCountAsync(texts.Count + 2);
        await Expect(alice.Message("ok")).ToHaveAttributeAsync("data-status", "read");

        foreach (var page in new[] { alice, bob })
        {
            var overlaps = await OverlapsAsync(page);
            Assert.True(overlaps.Count == 0, $"{page.User}: {string.Join(Environment.NewLine, overlaps)}");
        }

        // Phone width: narrower bubbles wrap differently.
        await bob.Page.SetViewportSizeAsync(390, 760);
        var narrow = await OverlapsAsync(bob);
        Assert.True(narrow.Count == 0, string.Join(Environment.NewLine, narrow));
        await Expect(bob.Messages.First.GetByTestId("message-time")).ToHaveTextAsync(new Regex("^\\d\\d:\\d\\d\\s[AP]M$"));
        await alice.ScreenshotAsync("message-times-alice");
        await bob.ScreenshotAsync("message-times-bob-phone");
    }

    // For every bubble: the time and the receipt mark, each 2 px larger all round, against every line box of the text
    // (the glyphs, not the paragraph's block) and of a file link.
    private static async Task<List<string>> OverlapsAsync(ChatPage page)
    {
        var json = await page.Page.EvaluateAsync<string>(
            """
            () => {
              const grow = (r, by) => ({ left: r.left - by, right: r.right + by, top: r.top - by, bottom: r.bottom + by });
              const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
              const problems = [];
              for (const row of document.querySelectorAll('[data-testid=message]')) {
                const boxes = [];
                const text = row.querySelector('[data-testid=message-text]');
                if (text && !text.hidden && text.firstChild) {
                  const range = document.createRange();
                  range.selectNodeContents(text);
                  boxes.push(...[...range.getClientRects()].map((r) => ['text', r]));
                }
                const link = row.querySelector('[data-testid=attachment-link]');
                if (link && !link.closest('[hidden]')) boxes.push(...[...link.getClientRects()].map((r) => ['link', r]));
                const marks = [row.querySelector('[data-testid=message-time]'), row.querySelector('.status-mark')]
                  .filter((node) => node && !node.hidden);
                for (const mark of marks) {
                  const own = grow(mark.getBoundingClientRect(), 2);
                  for (const [kind, box] of boxes) {
                    if (box.width > 0 && hit(own, box)) {
                      problems.push(`${mark.className} overlaps the ${kind} of "${(text?.textContent || link?.textContent || '').slice(0, 40)}"`);
                    }
                  }
                }
              }
              return JSON.stringify(problems);
            }
            """);
        return JsonSerializer.Deserialize<List<string>>(json) ?? [];
    }

    private static async Task SendImageAsync(ChatPage sender, string name, int width, int height)
    {
        var png = Convert.FromBase64String(await sender.Page.EvaluateAsync<string>(PaintPngScript, new[] { width, height }));
        await sender.Page.GetByTestId("attach-input").SetInputFilesAsync(new FilePayload { Name = name, MimeType = "image/png", Buffer = png });
    }

    private static Task WaitForImagesAsync(ChatPage page, int count) =>
        page.Page.WaitForFunctionAsync(
            "(count) => { const images = [...document.querySelectorAll('[data-testid=attachment-image]')]; return images.length === count && images.every((image) => image.complete && image.naturalWidth > 0); }",
            count);

    private async Task<TwoUserChat> OpenChatAsync() => await TwoUserChat.StartAsync(await chromium.GetBrowserAsync(), _mediaRoot);

    public void Dispose()
    {
        if (Directory.Exists(_mediaRoot))
        {
            Directory.Delete(_mediaRoot, recursive: true);
        }
    }
}
