using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Benchmarks.Engine;

/// <summary>The engine with its in-memory adapters, built and started without a host; what AddMessaging() gives.</summary>
internal sealed class EngineHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private EngineHost(ServiceProvider services, MessagingEngine engine)
    {
        _services = services;
        Engine = engine;
    }

    public MessagingEngine Engine { get; }

    public static async Task<EngineHost> StartAsync(Action<MessagingOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddMessaging(o =>
        {
            o.MaxGroupMembers = 1024;
            configure?.Invoke(o);
        });
        var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<MessagingEngine>();
        await engine.StartAsync().ConfigureAwait(false);
        return new EngineHost(provider, engine);
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.StopAsync().ConfigureAwait(false);
        await _services.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>
/// A connection that counts what the engine writes to it and completes a signal when a target count of messages is
/// reached, so a benchmark awaits real delivery instead of guessing.
/// </summary>
internal sealed class CountingConnection : IClientConnection
{
    private TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _messages;
    private long _target = long.MaxValue;
    private StatusSignal? _status;

    public string ConnectionId { get; } = Guid.NewGuid().ToString("N");

    public long Messages => Interlocked.Read(ref _messages);

    /// <summary>Completes once <paramref name="count"/> more messages arrived.</summary>
    public Task Expect(long count)
    {
        _reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _target, Interlocked.Read(ref _messages) + count);
        return _reached.Task;
    }

    /// <summary>Completes once a status event of <paramref name="status"/> for <paramref name="seq"/> or later arrived.</summary>
    public Task ExpectStatus(ReceiptStatus status, long seq)
    {
        var signal = new StatusSignal(status, seq);
        Volatile.Write(ref _status, signal);
        return signal.Reached.Task;
    }

    public bool TryWrite(ClientEvent clientEvent)
    {
        if (clientEvent is StatusEvent statusEvent && Volatile.Read(ref _status) is { } signal
            && statusEvent.Status == signal.Status && statusEvent.Seq >= signal.Seq)
        {
            signal.Reached.TrySetResult();
        }

        if (clientEvent is MessageEvent && Interlocked.Increment(ref _messages) >= Interlocked.Read(ref _target))
        {
            _reached.TrySetResult();
        }

        return true;
    }

    public void Abort(string reason)
    {
    }

    private sealed record StatusSignal(ReceiptStatus Status, long Seq)
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
