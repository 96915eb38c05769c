using StackExchange.Redis;

namespace Messaging.Redis.Tests;

/// <summary>Several connections to one server (as several nodes would hold), disposed together.</summary>
public sealed class RedisConnections : IAsyncDisposable
{
    private RedisConnections(IReadOnlyList<IConnectionMultiplexer> all) => All = all;

    /// <summary>The connections.</summary>
    public IReadOnlyList<IConnectionMultiplexer> All { get; }

    /// <summary>Opens <paramref name="count"/> connections.</summary>
    /// <param name="server">The server.</param>
    /// <param name="count">How many.</param>
    /// <returns>The connections.</returns>
    public static async Task<RedisConnections> OpenAsync(RedisServer server, int count)
        => new(await Task.WhenAll(Enumerable.Range(0, count).Select(async _ => (IConnectionMultiplexer)await server.ConnectAsync())));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var connection in All)
        {
            await connection.DisposeAsync();
        }
    }
}
