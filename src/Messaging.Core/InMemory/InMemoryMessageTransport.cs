using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Messaging;

/// <summary>
/// An in-process <see cref="IMessageTransport"/>: publish hands each envelope to every subscription of the channel.
/// Several engines in one process that share one instance behave like gateway nodes on one backplane.
/// </summary>
/// <remarks>
/// <para>
/// Guarantees: channels are literal (a subscription to <c>a</c> never sees <c>a*</c> or <c>ab</c>); each subscription
/// has its own bounded queue and its handler is called one envelope at a time, in publish order per publisher and
/// channel; a handler that throws never stops other subscriptions (the exception is logged and the next envelope is
/// delivered); once the subscription's <see cref="IAsyncDisposable.DisposeAsync"/> completes the handler is not
/// called again.
/// </para>
/// <para>
/// Dispatch is inline when possible: when a subscription is idle (no handler call in flight, queue empty),
/// <see cref="PublishAsync"/> calls its handler on the publishing thread. When the handler's
/// <see cref="ValueTask"/> completes synchronously nothing else happens; otherwise the subscription continues
/// asynchronously and later envelopes queue behind it. A publish runs at most a small batch of handler calls of one
/// subscription before it hands the rest of that subscription's queue to the thread pool, so a publisher is never
/// trapped draining. Handlers therefore must not block synchronously (no waiting on locks held elsewhere, no
/// sync-over-async): a blocking handler delays the publisher and the other subscriptions of the same publish. A
/// handler that only enqueues work (as the engine's does) or awaits is what this transport is built for. Handlers
/// run in the execution context captured when they subscribed, never in the publisher's.
/// </para>
/// <para>
/// Limits: one process only. At-most-once, like the distributed backplanes: when a subscription's queue is full the
/// envelope is dropped for that subscription and counted in <see cref="DroppedEnvelopes"/>; publish never waits for
/// queue space. Envelopes are passed by reference, never serialised.
/// </para>
/// </remarks>
public sealed partial class InMemoryMessageTransport : IMessageTransport, IAsyncDisposable
{
    /// <summary>The default capacity of each subscription's queue.</summary>
    public const int DefaultQueueCapacity = 10_000;

    // How many handler calls of one subscription a publish runs on its own thread before handing off to the pool.
    internal const int InlineBatch = 16;

    // How many handler calls the thread pool runs per work item before it re-queues the subscription (fairness).
    private const int PoolBatch = 256;

    // How deeply a handler's own publishes may nest inline dispatch on one thread before they queue instead.
    private const int MaxInlineDepth = 4;

    // Set in each subscription's execution context, so that a handler disposing its own subscription does not wait
    // for itself (also on the inline path).
    private static readonly AsyncLocal<Subscription?> CurrentSubscription = new();

    [ThreadStatic]
    private static int t_inlineDepth;

    private readonly Lock _gate = new();
    private readonly ILogger _logger;
    private readonly int _queueCapacity;

    // Copy-on-write arrays per channel, replaced under _gate; publish reads without a lock.
    private readonly ConcurrentDictionary<TransportChannel, Subscription[]> _subscriptions = new();
    private long _dropped;

    /// <summary>Creates a transport.</summary>
    /// <param name="logger">Logs handler failures and drops; none when <see langword="null"/>.</param>
    /// <param name="queueCapacity">The capacity of each subscription's queue (at least 1).</param>
    public InMemoryMessageTransport(ILogger<InMemoryMessageTransport>? logger = null, int queueCapacity = DefaultQueueCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(queueCapacity);
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _queueCapacity = queueCapacity;
    }

    /// <summary>How many envelopes were dropped because a subscription's queue was full.</summary>
    public long DroppedEnvelopes => Interlocked.Read(ref _dropped);

    /// <inheritdoc />
    /// <remarks>
    /// Handlers of idle subscriptions run on the calling thread before this returns (see the class remarks); the
    /// returned task is always completed.
    /// </remarks>
    public ValueTask PublishAsync(IReadOnlyList<TransportChannel> channels, Envelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentNullException.ThrowIfNull(envelope);
        cancellationToken.ThrowIfCancellationRequested();
        for (var c = 0; c < channels.Count; c++)
        {
            var channel = channels[c];
            if (!_subscriptions.TryGetValue(channel, out var subscriptions))
            {
                continue;
            }

            foreach (var subscription in subscriptions)
            {
                if (!subscription.Post(envelope))
                {
                    Interlocked.Increment(ref _dropped);
                    LogEnvelopeDropped(_logger, channel.Kind, channel.Id);
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IAsyncDisposable> SubscribeAsync(TransportChannel channel, EnvelopeHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel.Id);
        ArgumentNullException.ThrowIfNull(handler);
        cancellationToken.ThrowIfCancellationRequested();
        var subscription = new Subscription(this, channel, handler);
        lock (_gate)
        {
            var existing = _subscriptions.GetValueOrDefault(channel, []);
            _subscriptions[channel] = [.. existing, subscription];
        }

        return ValueTask.FromResult<IAsyncDisposable>(subscription);
    }

    /// <summary>Ends every subscription.</summary>
    /// <returns>A task that completes when no handler runs any more.</returns>
    public async ValueTask DisposeAsync()
    {
        Subscription[] all;
        lock (_gate)
        {
            all = [.. _subscriptions.Values.SelectMany(s => s)];
        }

        foreach (var subscription in all)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_gate)
        {
            if (_subscriptions.TryGetValue(subscription.Channel, out var existing))
            {
                var remaining = Array.FindAll(existing, s => s != subscription);
                if (remaining.Length == 0)
                {
                    _subscriptions.TryRemove(subscription.Channel, out _);
                }
                else
                {
                    _subscriptions[subscription.Channel] = remaining;
                }
            }
        }
    }

    [LoggerMessage(EventId = 901, Level = LogLevel.Warning, Message = "A subscriber of {ChannelKind} channel '{ChannelId}' failed to handle an envelope; delivery continues.")]
    private static partial void LogHandlerFailed(ILogger logger, ChannelKind channelKind, string channelId, Exception exception);

    [LoggerMessage(EventId = 902, Level = LogLevel.Warning, Message = "The queue of a subscriber of {ChannelKind} channel '{ChannelId}' is full; an envelope was dropped.")]
    private static partial void LogEnvelopeDropped(ILogger logger, ChannelKind channelKind, string channelId);

    // An actor: at most one drainer owns the subscription at a time (the publisher that found it idle, an async
    // continuation of a pending handler call, or a thread-pool work item after a hand-off), and only the owner calls
    // the handler. Envelopes posted while it is owned wait in the bounded queue, in arrival order.
    private sealed class Subscription : IAsyncDisposable, IThreadPoolWorkItem
    {
        private static readonly ContextCallback RunInlineCallback = static state => ((Subscription)state!).RunInline();
        private static readonly ContextCallback RunPooledCallback = static state => ((Subscription)state!).RunPooled();

        private readonly InMemoryMessageTransport _owner;
        private readonly EnvelopeHandler _handler;
        private readonly Queue<Envelope> _queue = new();
        private readonly CancellationTokenSource _stopping = new();
        private ExecutionContext? _context;
        private bool _running;
        private bool _disposed;
        private TaskCompletionSource? _idle;

        // Handed from Post to RunInline by the owner only.
        private Envelope? _inline;

        public Subscription(InMemoryMessageTransport owner, TransportChannel channel, EnvelopeHandler handler)
        {
            _owner = owner;
            Channel = channel;
            _handler = handler;

            // The subscriber's execution context plus CurrentSubscription = this: every handler call runs in it,
            // as it did when each subscription had a task started at subscribe time. Null when the subscriber
            // suppressed the flow; then CurrentSubscription is set around each run instead.
            if (ExecutionContext.Capture() is { } context)
            {
                ExecutionContext.Run(context, static state => ((Subscription)state!).CaptureContext(), this);
            }
        }

        public TransportChannel Channel { get; }

        // Queues or runs the envelope; false when the queue is full (dropped). After disposal envelopes are ignored.
        public bool Post(Envelope envelope)
        {
            lock (_queue)
            {
                if (_disposed)
                {
                    return true;
                }

                if (_running || t_inlineDepth >= MaxInlineDepth)
                {
                    if (_queue.Count >= _owner._queueCapacity)
                    {
                        return false;
                    }

                    _queue.Enqueue(envelope);
                    if (!_running)
                    {
                        // Too deep to run inline: a pool thread takes it.
                        _running = true;
                        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                    }

                    return true;
                }

                _running = true;
            }

            _inline = envelope;
            t_inlineDepth++;
            try
            {
                RunInContext(RunInlineCallback);
            }
            finally
            {
                t_inlineDepth--;
            }

            return true;
        }

        public async ValueTask DisposeAsync()
        {
            Task? running = null;
            lock (_queue)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                _queue.Clear();
                if (_running)
                {
                    _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    running = _idle.Task;
                }
            }

            _owner.Remove(this);
            await _stopping.CancelAsync().ConfigureAwait(false);
            if (running is not null && CurrentSubscription.Value != this)
            {
                await running.ConfigureAwait(false);
            }
        }

        void IThreadPoolWorkItem.Execute() => RunInContext(RunPooledCallback);

        private void CaptureContext()
        {
            CurrentSubscription.Value = this;
            _context = ExecutionContext.Capture();
        }

        private void RunInContext(ContextCallback callback)
        {
            if (_context is not null)
            {
                ExecutionContext.Run(_context, callback, this);
                return;
            }

            var previous = CurrentSubscription.Value;
            CurrentSubscription.Value = this;
            try
            {
                callback(this);
            }
            finally
            {
                CurrentSubscription.Value = previous;
            }
        }

        private void RunInline()
        {
            var envelope = _inline!;
            _inline = null;
            Drain(envelope, InlineBatch);
        }

        private void RunPooled()
        {
            if (TakeNext(int.MaxValue, out var envelope))
            {
                Drain(envelope!, PoolBatch);
            }
        }

        // Runs as the owner: calls the handler for the envelope and for what is queued behind it, until the queue is
        // empty (ownership released), a call is pending (ownership moves to its continuation) or the budget is spent
        // (ownership moves to a thread-pool work item).
        private void Drain(Envelope envelope, int budget)
        {
            while (true)
            {
                var pending = Invoke(envelope);
                if (!pending.IsCompleted)
                {
                    _ = ContinueAsync(pending);
                    return;
                }

                if (!Observe(pending) || !TakeNext(--budget, out var next))
                {
                    return;
                }

                envelope = next!;
            }
        }

        private async Task ContinueAsync(ValueTask pending)
        {
            while (true)
            {
                try
                {
                    await pending.ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    Release();
                    return;
                }
                catch (Exception exception)
                {
                    LogHandlerFailed(_owner._logger, Channel.Kind, Channel.Id, exception);
                }

                // Already off the publisher's thread: drain without a budget, as a dedicated loop would.
                if (!TakeNext(int.MaxValue, out var next))
                {
                    return;
                }

                pending = Invoke(next!);
            }
        }

        // Calls the handler; a synchronous throw becomes a faulted task so one path observes both.
        private ValueTask Invoke(Envelope envelope)
        {
            try
            {
                return _handler(envelope, _stopping.Token);
            }
            catch (Exception exception)
            {
                return ValueTask.FromException(exception);
            }
        }

        // Observes a completed call; false when the subscription was cancelled during it (ownership released).
        private bool Observe(ValueTask completed)
        {
            if (completed.IsCompletedSuccessfully)
            {
                return true;
            }

            try
            {
                completed.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                Release();
                return false;
            }
            catch (Exception exception)
            {
                LogHandlerFailed(_owner._logger, Channel.Kind, Channel.Id, exception);
            }

            return true;
        }

        // As the owner: takes the next envelope, or releases ownership when there is none or the subscription was
        // disposed, or hands ownership to the thread pool when the budget is spent.
        private bool TakeNext(int budget, out Envelope? envelope)
        {
            lock (_queue)
            {
                if (_disposed || _queue.Count == 0)
                {
                    envelope = null;
                    _running = false;
                    _idle?.TrySetResult();
                    return false;
                }

                if (budget <= 0)
                {
                    envelope = null;
                    ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                    return false;
                }

                envelope = _queue.Dequeue();
                return true;
            }
        }

        private void Release()
        {
            lock (_queue)
            {
                _running = false;
                _idle?.TrySetResult();
            }
        }
    }
}
