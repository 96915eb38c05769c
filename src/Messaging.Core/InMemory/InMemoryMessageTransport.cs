using System.Collections.Immutable;
using System.Threading.Channels;
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
/// channel; a handler that throws or is slow never delays or stops other subscriptions (the exception is logged and
/// the next envelope is delivered); once the subscription's <see cref="IAsyncDisposable.DisposeAsync"/> completes
/// the handler is not called again.
/// </para>
/// <para>
/// Limits: one process only. At-most-once, like the distributed backplanes: when a subscription's queue is full the
/// envelope is dropped for that subscription and counted in <see cref="DroppedEnvelopes"/>; publish never blocks.
/// Envelopes are passed by reference, never serialised.
/// </para>
/// </remarks>
public sealed partial class InMemoryMessageTransport : IMessageTransport, IAsyncDisposable
{
    /// <summary>The default capacity of each subscription's queue.</summary>
    public const int DefaultQueueCapacity = 10_000;

    // Set while a handler runs, so that a handler disposing its own subscription does not wait for itself.
    private static readonly AsyncLocal<Subscription?> CurrentSubscription = new();

    private readonly Lock _gate = new();
    private readonly ILogger _logger;
    private readonly int _queueCapacity;
    private ImmutableDictionary<TransportChannel, ImmutableArray<Subscription>> _subscriptions = ImmutableDictionary<TransportChannel, ImmutableArray<Subscription>>.Empty;
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
    public ValueTask PublishAsync(IReadOnlyList<TransportChannel> channels, Envelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentNullException.ThrowIfNull(envelope);
        cancellationToken.ThrowIfCancellationRequested();
        var snapshot = Volatile.Read(ref _subscriptions);
        foreach (var channel in channels)
        {
            if (!snapshot.TryGetValue(channel, out var subscriptions))
            {
                continue;
            }

            foreach (var subscription in subscriptions)
            {
                if (!subscription.TryEnqueue(envelope))
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
            _subscriptions = _subscriptions.SetItem(channel, existing.Add(subscription));
        }

        subscription.Start();
        return ValueTask.FromResult<IAsyncDisposable>(subscription);
    }

    /// <summary>Ends every subscription.</summary>
    /// <returns>A task that completes when no handler runs any more.</returns>
    public async ValueTask DisposeAsync()
    {
        ImmutableDictionary<TransportChannel, ImmutableArray<Subscription>> all;
        lock (_gate)
        {
            all = _subscriptions;
        }

        foreach (var subscription in all.Values.SelectMany(s => s))
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
                var remaining = existing.Remove(subscription);
                _subscriptions = remaining.IsEmpty ? _subscriptions.Remove(subscription.Channel) : _subscriptions.SetItem(subscription.Channel, remaining);
            }
        }
    }

    [LoggerMessage(EventId = 901, Level = LogLevel.Warning, Message = "A subscriber of {ChannelKind} channel '{ChannelId}' failed to handle an envelope; delivery continues.")]
    private static partial void LogHandlerFailed(ILogger logger, ChannelKind channelKind, string channelId, Exception exception);

    [LoggerMessage(EventId = 902, Level = LogLevel.Warning, Message = "The queue of a subscriber of {ChannelKind} channel '{ChannelId}' is full; an envelope was dropped.")]
    private static partial void LogEnvelopeDropped(ILogger logger, ChannelKind channelKind, string channelId);

    private sealed class Subscription : IAsyncDisposable
    {
        private readonly InMemoryMessageTransport _owner;
        private readonly EnvelopeHandler _handler;
        private readonly Channel<Envelope> _queue;
        private readonly CancellationTokenSource _stopping = new();
        private Task _loop = Task.CompletedTask;
        private int _disposed;

        public Subscription(InMemoryMessageTransport owner, TransportChannel channel, EnvelopeHandler handler)
        {
            _owner = owner;
            Channel = channel;
            _handler = handler;
            _queue = System.Threading.Channels.Channel.CreateBounded<Envelope>(new BoundedChannelOptions(owner._queueCapacity)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
        }

        public TransportChannel Channel { get; }

        public bool TryEnqueue(Envelope envelope) => Volatile.Read(ref _disposed) != 0 || _queue.Writer.TryWrite(envelope);

        public void Start() => _loop = Task.Run(RunAsync);

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            _owner.Remove(this);
            _queue.Writer.TryComplete();
            await _stopping.CancelAsync().ConfigureAwait(false);
            if (CurrentSubscription.Value != this)
            {
                await _loop.ConfigureAwait(false);
            }
        }

        private async Task RunAsync()
        {
            CurrentSubscription.Value = this;
            var token = _stopping.Token;
            try
            {
                await foreach (var envelope in _queue.Reader.ReadAllAsync(token).ConfigureAwait(false))
                {
                    if (token.IsCancellationRequested)
                    {
                        return;
                    }

                    try
                    {
                        await _handler(envelope, token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (token.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (Exception exception)
                    {
                        LogHandlerFailed(_owner._logger, Channel.Kind, Channel.Id, exception);
                    }
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Unsubscribed: the remaining envelopes are discarded on purpose.
                return;
            }
        }
    }
}
