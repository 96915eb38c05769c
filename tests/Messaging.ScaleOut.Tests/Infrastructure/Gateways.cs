using Messaging.Stores.Redis;
using Messaging.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Messaging.ScaleOut.Tests.Infrastructure;

/// <summary>
/// Three (or more) in-process gateways, each a real Kestrel <see cref="ChatServer"/> with its own node id and its own
/// Redis connection (<c>UseRedis(multiplexer)</c>), all on one private <see cref="RedisServer"/>: a cluster as a
/// load balancer sees it. A gateway can be killed; its slot then stays empty.
/// </summary>
internal sealed class Gateways : IAsyncDisposable
{
    /// <summary>Groups up to this size use the write path; larger ones the read path.</summary>
    public const int WritePathMaxMembers = 3;

    /// <summary>How long presence waits after a user's last device left before it says offline.</summary>
    public static readonly TimeSpan PresenceGrace = TimeSpan.FromMilliseconds(150);

    private readonly ChatServer?[] _servers;
    private readonly IConnectionMultiplexer[] _connections;

    private Gateways(RedisServer redis, ChatServer?[] servers, IConnectionMultiplexer[] connections)
    {
        Redis = redis;
        _servers = servers;
        _connections = connections;
    }

    public RedisServer Redis { get; }

    /// <summary>The base addresses of all gateways, killed ones included (a client's server list).</summary>
    public IReadOnlyList<Uri> Addresses { get; private init; } = [];

    public ChatServer this[int index] => _servers[index] ?? throw new InvalidOperationException($"gateway{index} was killed.");

    /// <summary>Starts <paramref name="count"/> gateways on <paramref name="redis"/>.</summary>
    /// <param name="redis">The shared Redis.</param>
    /// <param name="count">How many gateways.</param>
    /// <param name="configureServices">Per gateway index: replaces services after <c>UseRedis</c> (a decorated transport).</param>
    /// <param name="configureStores">Tunes the Redis stores of every gateway (a message retention).</param>
    public static async Task<Gateways> StartAsync(RedisServer redis, int count = 3, Action<int, IServiceCollection, IConnectionMultiplexer>? configureServices = null, Action<RedisStoreOptions>? configureStores = null)
    {
        var servers = new ChatServer?[count];
        var connections = new IConnectionMultiplexer[count];
        try
        {
            for (var i = 0; i < count; i++)
            {
                var index = i;
                var connection = connections[i] = await redis.ConnectAsync();
                servers[i] = await ChatServer.StartAsync(o =>
                {
                    o.ConfigureServices = services =>
                    {
                        services.AddMessaging(m =>
                        {
                            m.NodeId = $"gateway{index}";
                            m.WritePathMaxMembers = WritePathMaxMembers;
                            m.PresenceGracePeriod = PresenceGrace;
                            m.PresenceSweepInterval = TimeSpan.FromMilliseconds(50);
                        }).UseRedis(r =>
                        {
                            r.ConnectionMultiplexer = connection;
                            r.ConfigureStores = configureStores;
                        });
                        configureServices?.Invoke(index, services, connection);
                    };
                }, TestContext.Current.CancellationToken);
            }

            return new Gateways(redis, servers, connections) { Addresses = [.. servers.Select(s => s!.BaseUri)] };
        }
        catch
        {
            await DisposeAllAsync(servers, connections);
            throw;
        }
    }

    /// <summary>Stops a gateway while its clients are connected (its WebSockets drop, its port refuses connections).</summary>
    public async Task KillAsync(int index)
    {
        if (Interlocked.Exchange(ref _servers[index], null) is { } server)
        {
            await server.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync() => DisposeAllAsync(_servers, _connections);

    private static async ValueTask DisposeAllAsync(ChatServer?[] servers, IConnectionMultiplexer?[] connections)
    {
        foreach (var server in servers)
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }

        foreach (var connection in connections)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }
}
