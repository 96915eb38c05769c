using System.Net.Http.Headers;
using Messaging.Transports.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Messaging.Testing;

/// <summary>
/// A real chat server for end-to-end tests: Kestrel on <c>http://127.0.0.1</c> with a free port, the engine
/// (<c>AddMessaging</c>), the gateway (<c>AddMessagingGateway</c> + <c>MapMessaging</c>) and, by default, the
/// development authentication (the user id is the bearer token). Dispose it to stop; disposal closes open WebSockets
/// and also works when the test failed half-way.
/// </summary>
public sealed class ChatServer : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly WebApplication _app;
    private int _disposed;

    private ChatServer(WebApplication app, Uri baseUri)
    {
        _app = app;
        BaseUri = baseUri;
    }

    /// <summary>The HTTP base address including the prefix, ending with <c>/</c> (for example <c>http://127.0.0.1:41234/</c>).</summary>
    public Uri BaseUri { get; }

    /// <summary>The application's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The server's engine.</summary>
    public MessagingEngine Engine => _app.Services.GetRequiredService<MessagingEngine>();

    /// <summary>Starts a server.</summary>
    /// <param name="configure">Shapes the server before it starts.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    public static async Task<ChatServer> StartAsync(Action<ChatServerOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        var options = new ChatServerOptions();
        configure?.Invoke(options);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        builder.Logging.ClearProviders();
        builder.Services.AddMessaging(o => options.ConfigureMessaging?.Invoke(o));
        builder.Services.AddMessagingGateway(o => options.ConfigureGateway?.Invoke(o));
        if (options.DevelopmentAuthentication)
        {
            builder.Services.AddAuthentication(MessagingDevelopmentAuthenticationDefaults.AuthenticationScheme)
                .AddMessagingDevelopmentAuthentication();
        }

        options.ConfigureServices?.Invoke(builder.Services);

        var app = builder.Build();
        try
        {
            options.ConfigureApp?.Invoke(app);
            app.MapMessaging(options.Prefix);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);

            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            var prefix = options.Prefix.Trim('/');
            return new ChatServer(app, new Uri(new Uri(address), prefix.Length == 0 ? "/" : $"/{prefix}/"));
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The WebSocket address for a user (development authentication: <c>access_token</c> query).</summary>
    /// <param name="userId">The user, or <see langword="null"/> for an anonymous handshake.</param>
    /// <param name="deviceId">The device, or <see langword="null"/> for the server's default.</param>
    /// <returns>A <c>ws://</c> address.</returns>
    public Uri WebSocketUri(string? userId, string? deviceId = null)
    {
        var query = new List<string>();
        if (userId is not null)
        {
            query.Add("access_token=" + Uri.EscapeDataString(userId));
        }

        if (deviceId is not null)
        {
            query.Add("device_id=" + Uri.EscapeDataString(deviceId));
        }

        var builder = new UriBuilder(new Uri(BaseUri, "ws")) { Scheme = "ws", Query = string.Join('&', query) };
        return builder.Uri;
    }

    /// <summary>An HTTP client on <see cref="BaseUri"/> that authenticates as <paramref name="userId"/> (bearer token).</summary>
    /// <param name="userId">The user, or <see langword="null"/> for anonymous requests.</param>
    /// <returns>A client the caller disposes.</returns>
    public HttpClient CreateHttpClient(string? userId)
    {
        var client = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(30) };
        if (userId is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", userId);
        }

        return client;
    }

    /// <summary>Opens a raw protocol WebSocket as <paramref name="userId"/>.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="deviceId">The device, or <see langword="null"/> for the server's default.</param>
    /// <param name="cancellationToken">Cancels the handshake.</param>
    /// <returns>The connected client.</returns>
    public Task<ProtocolTestClient> ConnectAsync(string userId, string? deviceId = null, CancellationToken cancellationToken = default) =>
        ProtocolTestClient.ConnectAsync(WebSocketUri(userId, deviceId), configure: null, cancellationToken);

    /// <summary>Stops the server (closing WebSockets with 1001) and releases it.</summary>
    /// <returns>A task that completes when the server stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(StopTimeout);
        try
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
