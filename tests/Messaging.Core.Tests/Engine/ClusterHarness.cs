using Messaging.Conformance;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Messaging.Tests.Engine;

/// <summary>
/// Several engines (gateway nodes) in one process on one <see cref="FakeTimeProvider"/>: the first node is built with
/// <c>AddMessaging</c> on in-memory roles (and the given transport), and every other node shares its stores, directory,
/// presence and backplane, as nodes sharing Redis would. Started without a host. The route cache is off unless the
/// test's <c>configure</c> turns it on: on a fake clock that never moves, a cached route would never expire.
/// </summary>
internal sealed class ClusterHarness : IAsyncDisposable
{
    private readonly List<ServiceProvider> _providers = [];
    private readonly List<(int Node, MessagingSession Session)> _sessions = [];
    private readonly IMessageTransport _transport;
    private readonly Action<MessagingOptions>? _configure;

    private ClusterHarness(FakeTimeProvider time, IMessageTransport transport, Action<MessagingOptions>? configure)
    {
        Time = time;
        _transport = transport;
        _configure = configure;
    }

    public FakeTimeProvider Time { get; }

    public IConnectionDirectory Directory => _providers[0].GetRequiredService<IConnectionDirectory>();

    public IReadOnlyList<MessagingEngine> Nodes => [.. _providers.Select(p => p.GetRequiredService<MessagingEngine>())];

    public static async Task<ClusterHarness> StartAsync(int nodeCount, IMessageTransport transport, Action<MessagingOptions>? configure = null)
    {
        var harness = new ClusterHarness(new FakeTimeProvider(new DateTimeOffset(2025, 1, 15, 10, 30, 0, TimeSpan.Zero)), transport, configure);
        var prefix = Guid.NewGuid().ToString("N")[..8];
        for (var node = 0; node < nodeCount; node++)
        {
            var provider = harness.Build($"node{node}-{prefix}");
            harness._providers.Add(provider);
            await provider.GetRequiredService<MessagingEngine>().StartAsync();
        }

        return harness;
    }

    /// <summary>
    /// Stops a node (not the first: the others share its stores) and starts it again with the same node id on new
    /// services, as a restarted process; <paramref name="whileDown"/> runs in between.
    /// </summary>
    public async Task RestartAsync(int node, Func<Task> whileDown)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(node, 1);
        var stopped = _providers[node];
        var nodeId = stopped.GetRequiredService<MessagingEngine>().NodeId;
        foreach (var (_, session) in _sessions.Where(s => s.Node == node).ToList())
        {
            await session.DisposeAsync();
            _sessions.Remove((node, session));
        }

        await stopped.GetRequiredService<MessagingEngine>().StopAsync();
        await stopped.DisposeAsync();
        await whileDown();
        _providers[node] = Build(nodeId);
        await _providers[node].GetRequiredService<MessagingEngine>().StartAsync();
    }

    private ServiceProvider Build(string nodeId)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Time);
        services.AddSingleton(_transport);
        if (_providers.Count > 0)
        {
            var first = _providers[0];
            services.AddSingleton(first.GetRequiredService<IMessageStore>());
            services.AddSingleton(first.GetRequiredService<ISequencer>());
            services.AddSingleton(first.GetRequiredService<IConversationStore>());
            services.AddSingleton(first.GetRequiredService<IReceiptStore>());
            services.AddSingleton(first.GetRequiredService<IConnectionDirectory>());
            services.AddSingleton(first.GetRequiredService<IPresenceStore>());
            services.AddSingleton(first.GetRequiredService<IContactStore>());
        }

        services.AddMessaging(options =>
        {
            options.RouteCacheTtl = TimeSpan.Zero;
            _configure?.Invoke(options);
            options.NodeId = nodeId;
        });
        return services.BuildServiceProvider();
    }

    public async Task<(MessagingSession Session, RecordingClientConnection Connection)> ConnectAsync(int node, string userId, string deviceId = "phone")
    {
        var connection = new RecordingClientConnection();
        var session = await Nodes[node].ConnectAsync(userId, deviceId, connection);
        _sessions.Add((node, session));
        await connection.WhenSyncCompletedAsync().WaitAsync(EngineHarness.Timeout);
        return (session, connection);
    }

    public async Task<string> CreateDirectAsync(string userA, string userB)
        => (await Nodes[0].CreateDirectConversationAsync(userA, userB)).View.Conversation.Id;

    public async Task<string> CreateGroupAsync(string admin, params string[] members)
        => (await Nodes[0].CreateGroupAsync(admin, "team", members)).Conversation.Id;

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, session) in _sessions)
        {
            await session.DisposeAsync();
        }

        for (var i = _providers.Count - 1; i >= 0; i--)
        {
            await _providers[i].GetRequiredService<MessagingEngine>().StopAsync();
            await _providers[i].DisposeAsync();
        }
    }
}
