using System.Net;
using System.Net.Http.Headers;
using Messaging.Browser.Tests.Hosting;

namespace Messaging.Browser.Tests;

/// <summary>The sample host's configuration, without a browser.</summary>
public sealed class ChatServerStartupTests
{
    [Fact]
    public void Sample_refuses_to_start_when_no_authentication_is_configured()
    {
        using var server = new ChatServerHost(environment: "Production");

        var error = Assert.Throws<InvalidOperationException>(() => server.Start());

        Assert.Contains("Messaging:DevelopmentAuthentication=true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Development_authentication_can_be_enabled_outside_Development_by_configuration()
    {
        await using var server = new ChatServerHost(
            environment: "Production",
            settings: new Dictionary<string, string?> { ["Messaging:DevelopmentAuthentication"] = "true" });
        using var http = new HttpClient { BaseAddress = server.Start() };

        using var anonymous = await http.GetAsync("conversations", TestContext.Current.CancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, "conversations");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "alice");
        using var authenticated = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, authenticated.StatusCode);
        Assert.Contains("\"conversations\":[]", await authenticated.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Root_serves_the_chat_UI_and_its_modules()
    {
        await using var server = new ChatServerHost();
        using var http = new HttpClient { BaseAddress = server.Start() };

        var page = await http.GetStringAsync("/", TestContext.Current.CancellationToken);
        using var script = await http.GetAsync("js/main.js", TestContext.Current.CancellationToken);

        Assert.Contains("data-testid=\"composer-input\"", page, StringComparison.Ordinal);
        Assert.Contains("Content-Security-Policy", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
    }
}
