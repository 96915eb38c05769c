using System.Threading.Channels;
using Messaging.Redis;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Messaging.Transports.Redis;

// One open node inbox of a RedisMessageTransport. StackExchange.Redis hands the channel's messages to a
// ChannelMessageQueue in arrival order; a pump moves them into a bounded queue (dropping and counting when it is
// full, so a slow handler never grows memory without bound) and a second loop calls the handler one payload at a
// time. After a reconnect StackExchange.Redis re-issues SUBSCRIBE for the channel by itself; this class keeps no
// connection state.
internal sealed class RedisSubscription : IAsyncDisposable
{
    // Set while a handler runs, so that a handler disposing its own subscription does not wait for itself.
    private static readonly AsyncLocal<RedisSubscription?> Current = new();

    private readonly RedisMessageTransport _owner;
    private readonly ChannelMessageQueue _source;
    private readonly InboxHandler _handler;
    private readonly Channel<RedisValue> _queue;
    private readonly CancellationTokenSource _stopping = new();
    private Task _pump = Task.CompletedTask;
    private Task _loop = Task.CompletedTask;
    private int _disposed;

    public RedisSubscription(RedisMessageTransport owner, string nodeId, ChannelMessageQueue source, InboxHandler handler, int capacity)
    {
        _owner = owner;
        NodeId = nodeId;
        _source = source;
        _handler = handler;
        _queue = System.Threading.Channels.Channel.CreateBounded<RedisValue>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public string NodeId { get; }

    public void Start()
    {
        _pump = Task.Run(PumpAsync);
        _loop = Task.Run(RunAsync);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _owner.Remove(this);
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _source.UnsubscribeAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (RedisConnection.IsRedisFailure(exception) || exception is ObjectDisposedException)
        {
            // The connection is down or closed: the server forgets the subscription with it, and the local queue
            // ends either way.
            _owner.LogUnsubscribeFailed(NodeId, exception);
        }

        await _pump.ConfigureAwait(false);
        if (Current.Value != this)
        {
            await _loop.ConfigureAwait(false);
        }
    }

    private async Task PumpAsync()
    {
        var token = _stopping.Token;
        try
        {
            while (true)
            {
                var message = await _source.ReadAsync(token).ConfigureAwait(false);
                if (!_queue.Writer.TryWrite(message.Message))
                {
                    _owner.CountDrop(NodeId);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Unsubscribed.
        }
        catch (ChannelClosedException)
        {
            // StackExchange.Redis completed the queue (unsubscribed or the multiplexer was disposed).
        }
        finally
        {
            _queue.Writer.TryComplete();
        }
    }

    private async Task RunAsync()
    {
        Current.Value = this;
        var token = _stopping.Token;
        try
        {
            await foreach (var payload in _queue.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                if (token.IsCancellationRequested)
                {
                    return;
                }

                try
                {
                    await _handler((ReadOnlyMemory<byte>)payload, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception exception)
                {
                    _owner.LogHandlerFailed(NodeId, exception);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Unsubscribed: payloads still queued are discarded on purpose.
        }
    }
}
