using Messaging.Testing;

namespace Messaging.ScaleOut.Tests.Infrastructure;

/// <summary>One private Redis and three gateways on it, shared by the tests of a class (they use fresh user ids).</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private RedisServer? _redis;
    private Gateways? _gateways;

    internal Gateways Gateways
    {
        get
        {
            RedisServer.SkipWhenUnavailable();
            return _gateways ?? throw new InvalidOperationException("The cluster did not start.");
        }
    }

    public async ValueTask InitializeAsync()
    {
        if (RedisServer.UnavailableReason is not null)
        {
            return;
        }

        _redis = await RedisServer.StartAsync();
        _gateways = await Gateways.StartAsync(_redis);
    }

    public async ValueTask DisposeAsync()
    {
        if (_gateways is not null)
        {
            await _gateways.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
