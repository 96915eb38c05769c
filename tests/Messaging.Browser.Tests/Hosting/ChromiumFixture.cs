namespace Messaging.Browser.Tests.Hosting;

/// <summary>
/// One headless Chromium for the whole test run, started on first use: Debian's /usr/bin/chromium driven by
/// Playwright, never a downloaded browser. When Chromium is not installed, browser tests are skipped with the reason.
/// </summary>
public sealed class ChromiumFixture : IAsyncDisposable
{
    /// <summary>Debian's Chromium (apt-get install chromium).</summary>
    public const string ExecutablePath = "/usr/bin/chromium";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>The browser; skips the calling test when Chromium is not installed.</summary>
    public async Task<IBrowser> GetBrowserAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            Assert.Skip($"{ExecutablePath} is missing: install Debian's chromium package to run the browser tests.");
        }

        await _gate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            if (_browser is null)
            {
                Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
                Assertions.SetDefaultExpectTimeout(15_000);
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
            }

            return _browser;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        _gate.Dispose();
    }
}
