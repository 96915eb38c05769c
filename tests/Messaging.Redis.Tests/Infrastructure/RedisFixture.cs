using StackExchange.Redis;
using Xunit;

[assembly: AssemblyFixture(typeof(Messaging.Redis.Tests.RedisFixture))]

namespace Messaging.Redis.Tests;

/// <summary>
/// One Redis server (no persistence) and one multiplexer shared by every test of the assembly: the conformance suites
/// use fresh ids, so they never collide. Tests that restart a server start their own <see cref="RedisServer"/>.
/// </summary>
public sealed class RedisFixture : RedisServerFixture;

/// <summary>
/// A Redis server of one test class, for suites that run whole engines: an engine sweeps presence globally and would
/// take the offline transitions that the presence suite on the shared server waits for.
/// </summary>
public sealed class PrivateRedisFixture : RedisServerFixture;

/// <summary>A Redis server and a multiplexer connected to it, started before the first test and removed after the last.</summary>
public abstract class RedisServerFixture : IAsyncLifetime
{
    private RedisServer? _server;
    private ConnectionMultiplexer? _multiplexer;

    /// <summary>The shared server (skips the test when Redis is unavailable).</summary>
    public RedisServer Server
    {
        get
        {
            RedisServer.SkipWhenUnavailable();
            return _server ?? throw new InvalidOperationException("The Redis fixture did not start.");
        }
    }

    /// <summary>The shared connection, owned by the fixture (skips the test when Redis is unavailable).</summary>
    public IConnectionMultiplexer Multiplexer
    {
        get
        {
            RedisServer.SkipWhenUnavailable();
            return _multiplexer ?? throw new InvalidOperationException("The Redis fixture did not start.");
        }
    }

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        if (RedisServer.UnavailableReason is not null)
        {
            return;
        }

        _server = await RedisServer.StartAsync();
        _multiplexer = await _server.ConnectAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_multiplexer is not null)
        {
            await _multiplexer.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
