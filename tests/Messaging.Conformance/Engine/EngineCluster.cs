using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Conformance;

/// <summary>
/// Several engines (gateway nodes), each in its own service provider built with <c>AddMessaging()</c>, sharing one
/// <see cref="MessagingBackplane"/>. Started without a host; stopped and disposed together.
/// </summary>
internal sealed class EngineCluster : IAsyncDisposable
{
    private readonly List<ServiceProvider> _providers = [];
    private readonly List<MessagingEngine> _engines = [];

    private EngineCluster()
    {
    }

    /// <summary>The nodes, in creation order.</summary>
    public IReadOnlyList<MessagingEngine> Nodes => _engines;

    /// <summary>Builds and starts <paramref name="nodeCount"/> nodes.</summary>
    public static async Task<EngineCluster> StartAsync(
        MessagingBackplane backplane,
        int nodeCount,
        Action<MessagingOptions> configure,
        Action<IServiceCollection, int> configureNode,
        CancellationToken cancellationToken)
    {
        var cluster = new EngineCluster();
        try
        {
            var prefix = Guid.NewGuid().ToString("N")[..8];
            for (var node = 0; node < nodeCount; node++)
            {
                var services = new ServiceCollection();
                configureNode(services, node);
                backplane.Register(services);
                var nodeId = $"node{node}-{prefix}";
                services.AddMessaging(options =>
                {
                    configure(options);
                    options.NodeId = nodeId;
                });
                var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
                cluster._providers.Add(provider);
                var engine = provider.GetRequiredService<MessagingEngine>();
                await engine.StartAsync(cancellationToken).ConfigureAwait(false);
                cluster._engines.Add(engine);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops every node and disposes its services.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var engine in _engines)
        {
            await engine.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        foreach (var provider in _providers)
        {
            await provider.DisposeAsync().ConfigureAwait(false);
        }

        _engines.Clear();
        _providers.Clear();
    }
}
