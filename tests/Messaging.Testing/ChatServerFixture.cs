using Xunit;

namespace Messaging.Testing;

/// <summary>
/// An xunit fixture holding one <see cref="ChatServer"/> with default options for a test class
/// (<c>IClassFixture&lt;ChatServerFixture&gt;</c>). Tests that need other options start their own server with
/// <see cref="ChatServer.StartAsync"/>. Use fresh user ids per test, since the server is shared.
/// </summary>
public sealed class ChatServerFixture : IAsyncLifetime
{
    private ChatServer? _server;

    /// <summary>The running server.</summary>
    public ChatServer Server => _server ?? throw new InvalidOperationException("The fixture is not initialised.");

    /// <summary>Starts the server.</summary>
    /// <returns>A task that completes when it listens.</returns>
    public async ValueTask InitializeAsync() => _server = await ChatServer.StartAsync().ConfigureAwait(false);

    /// <summary>Stops the server.</summary>
    /// <returns>A task that completes when it stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
