using System.Collections.Concurrent;
using Messaging.Redis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Messaging.Transports.Redis;

/// <summary>
/// An <see cref="IMessageTransport"/> over Redis pub/sub: each node's inbox is one literal Redis channel
/// (<c>messaging:node:&lt;nodeId&gt;</c>), and a payload (encoded once by the engine) is published to all its target
/// nodes in one pipelined batch. The transport never parses the payloads.
/// </summary>
/// <remarks>
/// <para>
/// Guarantees: at-most-once per inbox, in publish order per (publisher connection, inbox), as Redis pub/sub itself; an
/// inbox's handler is called one payload at a time; a handler that throws is logged and the next payload is delivered;
/// once an inbox's <see cref="IAsyncDisposable.DisposeAsync"/> completes its handler is not called again. After a lost
/// connection or a Redis restart StackExchange.Redis reconnects and re-subscribes every inbox channel by itself;
/// payloads published meanwhile are lost. Redis pub/sub keeps nothing, so this transport has no positions
/// (<see cref="IPositionedTransport"/>). The transport then raises
/// <see cref="SubscriptionsRestored"/> (<see cref="ISubscriptionRecoveringTransport"/>) so the engine refills its
/// connections from the store.
/// </para>
/// <para>
/// When the event is raised: StackExchange.Redis raises <c>ConnectionRestored</c> for the subscription connection when
/// the socket is back and re-issues the SUBSCRIBE commands on that connection without telling anyone when Redis
/// confirmed them. So the transport first sends a PING on the subscription connection (Redis answers commands on one
/// connection in order, so the reply comes after the re-subscriptions that were already queued) and raises the event,
/// then raises it again 1 s and 5 s later (measured on the <see cref="TimeProvider"/>) to cover re-subscriptions
/// queued after the PING or slowed down by load. A refill is idempotent, so a repeat costs one store read per
/// conversation and nothing else. Only a re-subscription slower than that, followed by no other message on the
/// conversation, leaves a message for the client's next sync.
/// </para>
/// <para>
/// Limits: each inbox buffers at most <see cref="RedisTransportOptions.SubscriptionQueueCapacity"/> payloads; when a
/// handler falls that far behind, further payloads are dropped and counted in <see cref="DroppedEnvelopes"/>.
/// </para>
/// </remarks>
public sealed partial class RedisMessageTransport : IMessageTransport, ISubscriptionRecoveringTransport, IAsyncDisposable
{
    // When, after the first report of a restored subscription connection, the recovery is reported again.
    private static readonly TimeSpan[] RecoveryRepeats = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)];

    private readonly RedisConnection _connection;
    private readonly ILogger _logger;
    private readonly int _queueCapacity;
    private readonly bool _disposeConnection;
    private readonly ConcurrentDictionary<RedisSubscription, byte> _subscriptions = new();
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _disposing = new();
    private IConnectionMultiplexer? _observed;
    private long _dropped;
    private int _disposed;

    /// <summary>Creates a transport on a multiplexer owned by the host (never disposed by the transport).</summary>
    /// <param name="multiplexer">The connection to Redis.</param>
    /// <param name="logger">Logs connection events, handler failures and drops; none when <see langword="null"/>.</param>
    /// <param name="subscriptionQueueCapacity">The capacity of each inbox's queue (at least 1).</param>
    public RedisMessageTransport(IConnectionMultiplexer multiplexer, ILogger<RedisMessageTransport>? logger = null, int subscriptionQueueCapacity = RedisTransportOptions.DefaultSubscriptionQueueCapacity)
        : this(RedisConnection.Borrow(multiplexer, logger), logger, subscriptionQueueCapacity, disposeConnection: true, TimeProvider.System)
    {
    }

    // disposeConnection: false when the connection is shared (DI) and disposed by its registration.
    internal RedisMessageTransport(RedisConnection connection, ILogger? logger, int subscriptionQueueCapacity, bool disposeConnection, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(subscriptionQueueCapacity);
        _connection = connection;
        _logger = logger ?? NullLogger.Instance;
        _queueCapacity = subscriptionQueueCapacity;
        _disposeConnection = disposeConnection;
    }

    /// <inheritdoc />
    public event EventHandler? SubscriptionsRestored;

    /// <summary>How many payloads were dropped because an inbox's queue was full.</summary>
    public long DroppedEnvelopes => Interlocked.Read(ref _dropped);

    /// <inheritdoc />
    public async ValueTask PublishAsync(IReadOnlyCollection<string> nodeIds, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nodeIds);
        cancellationToken.ThrowIfCancellationRequested();
        if (nodeIds.Count == 0)
        {
            return;
        }

        // The engine never changes a payload after publishing it, so Redis writes these bytes without a copy.
        RedisValue value = payload;
        var multiplexer = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        Task published;
        if (nodeIds.Count == 1)
        {
            published = multiplexer.GetSubscriber().PublishAsync(RedisChannels.Node(nodeIds.First()), value);
        }
        else
        {
            // One round trip for all nodes: the batch sends its PUBLISH commands back to back on one connection,
            // and Redis answers them in order, so the reply to the last one stands for all (a failed connection
            // fails the last one too). The others need no task of their own.
            var batch = multiplexer.GetDatabase().CreateBatch();
            var remaining = nodeIds.Count;
            Task<long>? last = null;
            foreach (var nodeId in nodeIds)
            {
                if (--remaining > 0)
                {
                    _ = batch.PublishAsync(RedisChannels.Node(nodeId), value, CommandFlags.FireAndForget);
                }
                else
                {
                    last = batch.PublishAsync(RedisChannels.Node(nodeId), value);
                }
            }

            published = RedisConnection.Send(batch, last!);
        }

        await RedisConnection.Guard(published, "Publishing to the Redis backplane failed.", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IAsyncDisposable> OpenInboxAsync(string nodeId, InboxHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        ArgumentNullException.ThrowIfNull(handler);
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var multiplexer = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        Observe(multiplexer);
        // Completes once Redis confirmed the SUBSCRIBE, so a payload published afterwards is received.
        var queue = await RedisConnection.Guard(multiplexer.GetSubscriber().SubscribeAsync(RedisChannels.Node(nodeId)), "Opening the node's inbox on the Redis backplane failed.", cancellationToken).ConfigureAwait(false);

        var subscription = new RedisSubscription(this, nodeId, queue, handler, _queueCapacity);
        _subscriptions.TryAdd(subscription, 0);
        subscription.Start();
        return subscription;
    }

    /// <summary>Ends every subscription; a connection the transport created is closed with it.</summary>
    /// <returns>A task that completes when no handler runs any more.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _disposing.CancelAsync().ConfigureAwait(false);
        if (Volatile.Read(ref _observed) is { } observed)
        {
            observed.ConnectionRestored -= OnConnectionRestored;
        }

        foreach (var subscription in _subscriptions.Keys)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }

        if (_disposeConnection)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    // Reports a recovery as described in the remarks; internal so that tests can run it without restarting Redis.
    internal async Task RecoverAsync(IConnectionMultiplexer multiplexer)
    {
        var token = _disposing.Token;
        try
        {
            try
            {
                await multiplexer.GetSubscriber().PingAsync().WaitAsync(token).ConfigureAwait(false);
            }
            catch (Exception exception) when (RedisConnection.IsRedisFailure(exception))
            {
                // The connection dropped again: its next restoration reports again; the delayed report still runs.
                LogRecoveryPingFailed(_logger, exception);
            }

            RaiseSubscriptionsRestored();
            var waited = TimeSpan.Zero;
            foreach (var repeat in RecoveryRepeats)
            {
                await Task.Delay(repeat - waited, _time, token).ConfigureAwait(false);
                waited = repeat;
                RaiseSubscriptionsRestored();
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Disposed: nobody listens any more.
        }
    }

    internal void Remove(RedisSubscription subscription) => _subscriptions.TryRemove(subscription, out _);

    internal void CountDrop(string nodeId)
    {
        Interlocked.Increment(ref _dropped);
        LogEnvelopeDropped(_logger, nodeId);
    }

    internal void LogHandlerFailed(string nodeId, Exception exception) => LogHandlerFailed(_logger, nodeId, exception);

    internal void LogUnsubscribeFailed(string nodeId, Exception exception) => LogUnsubscribeFailed(_logger, nodeId, exception);

    // Watches the multiplexer the subscriptions live on (once: the connection hands out the same one every time).
    private void Observe(IConnectionMultiplexer multiplexer)
    {
        if (Interlocked.CompareExchange(ref _observed, multiplexer, null) is null)
        {
            multiplexer.ConnectionRestored += OnConnectionRestored;
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        // Only the subscription connection carries subscriptions; an interactive reconnect loses no envelope.
        if (e.ConnectionType != ConnectionType.Subscription || _disposing.IsCancellationRequested || sender is not IConnectionMultiplexer multiplexer)
        {
            return;
        }

        LogSubscriptionConnectionRestored(_logger, e.EndPoint?.ToString());
        _ = RecoverAsync(multiplexer);
    }

    private void RaiseSubscriptionsRestored()
    {
        try
        {
            SubscriptionsRestored?.Invoke(this, EventArgs.Empty);
        }
        catch (Exception exception)
        {
            LogRecoveryHandlerFailed(_logger, exception);
        }
    }

    [LoggerMessage(EventId = 1015, Level = LogLevel.Information, Message = "The Redis subscription connection to {EndPoint} was restored; envelopes published meanwhile may be lost, so subscribers are told to refill.")]
    private static partial void LogSubscriptionConnectionRestored(ILogger logger, string? endPoint);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Debug, Message = "The PING after a restored Redis subscription connection failed.")]
    private static partial void LogRecoveryPingFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1017, Level = LogLevel.Warning, Message = "A handler of the restored-subscriptions event failed.")]
    private static partial void LogRecoveryHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "The inbox handler of node '{NodeId}' failed to handle a payload; delivery continues.")]
    private static partial void LogHandlerFailed(ILogger logger, string nodeId, Exception exception);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Warning, Message = "The inbox queue of node '{NodeId}' is full; a payload was dropped.")]
    private static partial void LogEnvelopeDropped(ILogger logger, string nodeId);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Debug, Message = "Closing the inbox channel of node '{NodeId}' failed; the inbox ends locally.")]
    private static partial void LogUnsubscribeFailed(ILogger logger, string nodeId, Exception exception);
}
