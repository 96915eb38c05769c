using System.Security.Cryptography;
using Messaging.Browser.Tests.Hosting;
using Messaging.Browser.Tests.Pages;
using static Microsoft.Playwright.Assertions;

namespace Messaging.Browser.Tests;

/// <summary>Attachments in the sample chat UI: resumable upload with a progress bar, image previews, download links.</summary>
public sealed class AttachmentTests(ChromiumFixture chromium) : IDisposable
{
    // A valid 1x1 PNG, so the preview really decodes.
    private static readonly byte[] OnePixelPng = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    private readonly string _mediaRoot = Path.Combine(Path.GetTempPath(), "messaging-ui-media-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task A_20_MB_file_uploads_with_a_progress_bar_and_the_other_user_downloads_it()
    {
        await using var chat = await OpenChatAsync();
        var (alice, bob) = (chat.Alice, chat.Bob);

        // Slow each chunk down a little, so the progress bar is on screen long enough to be seen moving.
        await alice.Page.RouteAsync("**/media/uploads/**", async route =>
        {
            if (route.Request.Method == "PATCH")
            {
                await Task.Delay(150);
            }

            await route.ContinueAsync();
        });
        var data = RandomNumberGenerator.GetBytes(20 * 1024 * 1024);
        data.AsSpan(0, 16).Clear();
        // Handing 20 MB to the page is slow when the browser tests run side by side on a busy machine.
        await alice.Page.GetByTestId("attach-input").SetInputFilesAsync(
            new FilePayload { Name = "report.bin", MimeType = "application/octet-stream", Buffer = data }, new() { Timeout = 120_000 });

        await Expect(alice.Page.GetByTestId("upload-progress")).ToBeVisibleAsync();
        await alice.Page.WaitForFunctionAsync("() => document.getElementById('upload-bar').value >= 30");
        await alice.ScreenshotAsync("attachment-upload-progress");
        await Expect(alice.Page.GetByTestId("upload-progress")).ToBeHiddenAsync(new() { Timeout = 60_000 });

        await bob.OpenConversationAsync("alice");
        var link = bob.Page.GetByTestId("attachment-link");
        await Expect(link).ToHaveTextAsync("report.bin (20.0 MB)");
        var download = await bob.Page.RunAndWaitForDownloadAsync(() => link.ClickAsync());
        var saved = Path.Combine(_mediaRoot, "downloaded.bin");
        await download.SaveAsAsync(saved);

        Assert.Equal("report.bin", download.SuggestedFilename);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(saved, TestContext.Current.CancellationToken)));
        Assert.Empty(alice.Errors);
        Assert.Empty(bob.Errors);
    }

    [Fact]
    public async Task An_attached_image_shows_as_a_preview_to_both_users()
    {
        await using var chat = await OpenChatAsync();
        var (alice, bob) = (chat.Alice, chat.Bob);

        await alice.Page.GetByTestId("attach-input").SetInputFilesAsync(new FilePayload { Name = "dot.png", MimeType = "image/png", Buffer = OnePixelPng });
        await bob.OpenConversationAsync("alice");

        foreach (var page in new[] { alice, bob })
        {
            var image = page.Page.GetByTestId("attachment-image");
            await Expect(image).ToBeVisibleAsync();
            await Expect(image).ToHaveAttributeAsync("alt", "dot.png");
            await page.Page.WaitForFunctionAsync("() => document.querySelector('[data-testid=attachment-image]').naturalWidth === 1");
        }

        await bob.ScreenshotAsync("attachment-image-preview");
        Assert.Empty(alice.Errors);
        Assert.Empty(bob.Errors);
    }

    private async Task<TwoUserChat> OpenChatAsync() => await TwoUserChat.StartAsync(await chromium.GetBrowserAsync(), _mediaRoot);

    public void Dispose()
    {
        if (Directory.Exists(_mediaRoot))
        {
            Directory.Delete(_mediaRoot, recursive: true);
        }
    }
}
