namespace Messaging.Browser.Tests.Hosting;

/// <summary>
/// One headless Chromium for the whole test run: Debian's /usr/bin/chromium driven by Playwright, never a
/// downloaded browser. When Chromium is not installed, browser tests are skipped with the reason.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    /// <summary>Debian's Chromium (apt-get install chromium).</summary>
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string? _unavailable;

    /// <summary>The browser; skips the calling test when Chromium is unavailable.</summary>
    public IBrowser Browser
    {
        get
        {
            if (_browser is null)
            {
                Assert.Skip(_unavailable ?? "Chromium did not start.");
            }

            return _browser;
        }
    }

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            _unavailable = $"{ExecutablePath} is missing: install Debian's chromium package to run the browser tests.";
            return;
        }

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-quic", "--no-first-run",
            ],
        });
        Assertions.SetDefaultExpectTimeout(15_000);
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
