using Messaging.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Media.Tests;

/// <summary>A chat server with media uploads under a private blob root, and tus clients for its users.</summary>
internal sealed class MediaServer : IAsyncDisposable
{
    private MediaServer(ChatServer server, string root)
    {
        Server = server;
        Root = root;
    }

    public ChatServer Server { get; }

    /// <summary>The filesystem blob store's root: every byte the server keeps for uploads is in here.</summary>
    public string Root { get; }

    public static async Task<MediaServer> StartAsync(Action<MediaOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "messaging-media-" + Guid.NewGuid().ToString("N"));
        var server = await ChatServer.StartAsync(o => o.ConfigureServices = s =>
        {
            services?.Invoke(s);
            s.AddMessagingMedia(m =>
            {
                m.FileSystemRootPath = root;
                configure?.Invoke(m);
            });
        }, TestContext.Current.CancellationToken);
        return new MediaServer(server, root);
    }

    public TusClient Client(string? userId) => new(Server.CreateHttpClient(userId));

    public IReadOnlyList<string> StoredFiles() =>
        Directory.Exists(Root) ? [.. Directory.EnumerateFileSystemEntries(Root, "*", SearchOption.AllDirectories)] : [];

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
