using static Microsoft.Playwright.Assertions;

namespace Messaging.Browser.Tests.Pages;

/// <summary>
/// One signed-in user's browser tab of the sample chat UI, addressed through its data-testid hooks. Each instance
/// owns its own browser context (its own localStorage, so its own user and device id).
/// </summary>
internal sealed class ChatPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly List<string> _errors = [];

    private ChatPage(IBrowserContext context, IPage page, string user)
    {
        _context = context;
        Page = page;
        User = user;
        page.PageError += (_, error) => _errors.Add($"page error: {error}");
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                _errors.Add($"console error: {message.Text}");
            }
        };
    }

    public IPage Page { get; }

    public string User { get; }

    /// <summary>Uncaught script errors and console errors seen so far.</summary>
    public IReadOnlyList<string> Errors => _errors;

    public ILocator ComposerInput => Page.GetByTestId("composer-input");

    public ILocator SendButton => Page.GetByTestId("send-button");

    public ILocator ChatTitle => Page.GetByTestId("chat-title");

    public ILocator Presence => Page.GetByTestId("presence");

    public ILocator TypingIndicator => Page.GetByTestId("typing-indicator");

    public ILocator ConnectionBanner => Page.GetByTestId("connection-banner");

    public ILocator ComposerLimit => Page.GetByTestId("composer-limit");

    public ILocator Toasts => Page.GetByTestId("toast");

    public ILocator Messages => Page.GetByTestId("message-list").GetByTestId("message");

    /// <summary>Opens the app in a fresh context and signs in with the development scheme (name = token).</summary>
    /// <param name="beforeNavigation">Runs before the app loads (for example to route its WebSocket).</param>
    /// <param name="locale">The browser's locale (it sets the time format, for example "10:30 PM" in en-US).</param>
    public static async Task<ChatPage> SignInAsync(IBrowser browser, Uri server, string user, Func<IPage, Task>? beforeNavigation = null, string locale = "en-GB")
    {
        var context = await browser.NewContextAsync(new()
        {
            BaseURL = server.ToString(),
            ViewportSize = new() { Width = 1280, Height = 760 },
            Locale = locale,
            TimezoneId = "UTC",
            ColorScheme = ColorScheme.Light,
        });
        var page = await context.NewPageAsync();
        var chat = new ChatPage(context, page, user);
        if (beforeNavigation is not null)
        {
            await beforeNavigation(page);
        }

        await page.GotoAsync("/");
        await page.GetByTestId("signin-name").FillAsync(user);
        await page.GetByTestId("signin-submit").ClickAsync();
        await Expect(page.GetByTestId("me-name")).ToHaveTextAsync(user);
        return chat;
    }

    public ILocator Conversation(string title) =>
        Page.GetByTestId("conversation-item").And(Page.Locator($"[data-title=\"{title}\"]"));

    /// <summary>The bubble whose text is exactly <paramref name="text"/>.</summary>
    public ILocator Message(string text) =>
        Messages.Filter(new() { Has = Page.GetByTestId("message-text").GetByText(text, new() { Exact = true }) });

    public async Task StartDirectChatAsync(string userId)
    {
        await Page.GetByTestId("new-chat-button").ClickAsync();
        await Page.GetByTestId("new-chat-user").FillAsync(userId);
        await Page.GetByTestId("new-chat-submit").ClickAsync();
        await Expect(ChatTitle).ToHaveTextAsync(userId);
    }

    public async Task CreateGroupAsync(string name, string members)
    {
        await Page.GetByTestId("new-group-button").ClickAsync();
        await Page.GetByTestId("new-group-name").FillAsync(name);
        await Page.GetByTestId("new-group-members").FillAsync(members);
        await Page.GetByTestId("new-group-submit").ClickAsync();
        await Expect(ChatTitle).ToHaveTextAsync(name);
    }

    public async Task OpenConversationAsync(string title)
    {
        await Conversation(title).ClickAsync();
        await Expect(ChatTitle).ToHaveTextAsync(title);
    }

    /// <summary>Types the text and sends it with Enter, as a person would.</summary>
    public async Task SendAsync(string text)
    {
        await ComposerInput.FillAsync(text);
        await ComposerInput.PressAsync("Enter");
        await Expect(Message(text)).ToBeVisibleAsync();
    }

    /// <summary>How far the message list is scrolled above its end, in CSS pixels (0 = the newest message is in view).</summary>
    public Task<double> DistanceFromBottomAsync() => Page.EvaluateAsync<double>(DistanceFromBottomScript);

    /// <summary>Waits until the message list shows its end (the reader follows new messages).</summary>
    public Task WaitForBottomAsync() =>
        Page.WaitForFunctionAsync($"() => ({DistanceFromBottomScript})() <= 1", null, new() { Timeout = 10_000 });

    private const string DistanceFromBottomScript =
        "() => { const s = document.getElementById('message-scroller'); return s.scrollHeight - s.scrollTop - s.clientHeight; }";

    /// <summary>Saves a PNG of the page under the test output folder and returns its path.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{name}.png");
        await Page.ScreenshotAsync(new() { Path = path, Animations = ScreenshotAnimations.Disabled });
        TestContext.Current.TestOutputHelper?.WriteLine($"screenshot: {path}");
        return path;
    }

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}
