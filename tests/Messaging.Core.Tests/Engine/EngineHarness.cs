using Messaging.Conformance;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Messaging.Tests.Engine;

/// <summary>
/// One engine built with <c>AddMessaging</c> on in-memory roles and a <see cref="FakeTimeProvider"/>, started without
/// a host. Roles registered by <c>configureServices</c> come before <c>AddMessaging</c>, so they win.
/// </summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    /// <summary>How long a test waits for an expected event before failing.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly ServiceProvider _provider;
    private readonly List<MessagingSession> _sessions = [];

    private EngineHarness(ServiceProvider provider, FakeTimeProvider time)
    {
        _provider = provider;
        Time = time;
        Engine = provider.GetRequiredService<MessagingEngine>();
    }

    public MessagingEngine Engine { get; }

    public IServiceProvider Services => _provider;

    public FakeTimeProvider Time { get; }

    public IMessageStore Messages => _provider.GetRequiredService<IMessageStore>();

    /// <summary>
    /// Moves the clock past the receipt status interval: the statuses held for busy conversations (a member's marks
    /// moving again within the interval) are published.
    /// </summary>
    public void PassStatusInterval() =>
        Time.Advance(_provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<MessagingOptions>>().Value.ReceiptStatusInterval);

    public IMessageTransport Transport => _provider.GetRequiredService<IMessageTransport>();

    public IReceiptStore Receipts => _provider.GetRequiredService<IReceiptStore>();

    public static async Task<EngineHarness> StartAsync(Action<MessagingOptions>? configure = null, Action<IServiceCollection>? configureServices = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 15, 10, 30, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        configureServices?.Invoke(services);
        services.AddMessaging(options => configure?.Invoke(options));
        var harness = new EngineHarness(services.BuildServiceProvider(), time);
        await harness.Engine.StartAsync();
        return harness;
    }

    public async Task<(MessagingSession Session, RecordingClientConnection Connection)> ConnectAsync(string userId, string deviceId = "phone", bool awaitSync = true)
    {
        var connection = new RecordingClientConnection();
        var session = await Engine.ConnectAsync(userId, deviceId, connection);
        _sessions.Add(session);
        if (awaitSync)
        {
            await connection.WhenSyncCompletedAsync().WaitAsync(Timeout);
        }

        return (session, connection);
    }

    public async Task<(MessagingSession Session, IClientConnection Connection)> ConnectAsync(string userId, string deviceId, IClientConnection connection)
    {
        var session = await Engine.ConnectAsync(userId, deviceId, connection);
        _sessions.Add(session);
        return (session, connection);
    }

    /// <summary>
    /// Puts a message envelope for a user in this node's backplane inbox, as another node would; the origin connection
    /// (the one that sent it) only moves its cursor.
    /// </summary>
    public ValueTask DeliverFromBackplaneAsync(string userId, Message message, string? originConnectionId = null)
        => Transport.PublishAsync([Engine.NodeId], EnvelopeCodec.Encode(new NodeEnvelope(Audience.Of([userId]), new MessageEnvelope(message, originConnectionId))), TestContext.Current.CancellationToken);

    public async Task<string> CreateDirectAsync(string userA, string userB)
        => (await Engine.CreateDirectConversationAsync(userA, userB)).View.Conversation.Id;

    public async Task<string> CreateGroupAsync(string admin, params string[] members)
        => (await Engine.CreateGroupAsync(admin, "team", members)).Conversation.Id;

    public async ValueTask DisposeAsync()
    {
        foreach (var session in _sessions)
        {
            await session.DisposeAsync();
        }

        await Engine.StopAsync();
        await _provider.DisposeAsync();
    }
}
