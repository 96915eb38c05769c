using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Messaging;

/// <summary>
/// An in-process <see cref="IMessageTransport"/>: publish hands each payload to every open inbox of the target nodes.
/// Several engines in one process that share one instance behave like gateway nodes on one backplane. It also keeps
/// the newest payloads of each inbox with their positions (<see cref="IPositionedTransport"/>), so a node reopened
/// after a position gets what was published meanwhile, as a durable backplane would.
/// </summary>
/// <remarks>
/// <para>
/// Guarantees: inboxes are addressed by the literal node id; each open inbox has its own bounded queue and its handler
/// is called one payload at a time, in position order (which is publish order); a handler that throws never stops
/// other inboxes (the exception is logged and the next payload is delivered); once the inbox's
/// <see cref="IAsyncDisposable.DisposeAsync"/> completes the handler is not called again. Positions start at 1 per node
/// and increase by one per payload; commits are kept per node and only move forward.
/// </para>
/// <para>
/// Dispatch is inline when possible: when an inbox is idle (no handler call in flight, queue empty),
/// <see cref="PublishAsync"/> calls its handler on the publishing thread. When the handler's
/// <see cref="ValueTask"/> completes synchronously nothing else happens; otherwise the inbox continues
/// asynchronously and later payloads queue behind it. A publish runs at most a small batch of handler calls of one
/// inbox before it hands the rest of that inbox's queue to the thread pool, so a publisher is never trapped draining.
/// Handlers therefore must not block synchronously (no waiting on locks held elsewhere, no sync-over-async). Handlers
/// run in the execution context captured when the inbox was opened, never in the publisher's.
/// </para>
/// <para>
/// Limits: one process only. At-most-once for live delivery, like the distributed backplanes: when an inbox's queue is
/// full the payload is dropped for it and counted in <see cref="DroppedEnvelopes"/> (it stays retained, so a reopen
/// after an earlier position gets it); publish never waits for queue space. Payloads are passed by reference, never
/// copied. Each node keeps its newest <see cref="DefaultRetainedPerInbox"/> (or the configured number of) payloads.
/// </para>
/// </remarks>
public sealed partial class InMemoryMessageTransport : IMessageTransport, IPositionedTransport, IAsyncDisposable
{
    /// <summary>The default capacity of each inbox's queue.</summary>
    public const int DefaultQueueCapacity = 10_000;

    /// <summary>The default number of payloads kept per node for reopening after a position.</summary>
    public const int DefaultRetainedPerInbox = 1_024;

    // How many handler calls of one inbox a publish runs on its own thread before handing off to the pool.
    internal const int InlineBatch = 16;

    // How many handler calls the thread pool runs per work item before it re-queues the inbox (fairness).
    private const int PoolBatch = 256;

    // How deeply a handler's own publishes may nest inline dispatch on one thread before they queue instead.
    private const int MaxInlineDepth = 4;

    // Set in each inbox's execution context, so that a handler disposing its own inbox does not wait for itself
    // (also on the inline path).
    private static readonly AsyncLocal<Subscription?> CurrentSubscription = new();

    [ThreadStatic]
    private static int t_inlineDepth;

    private readonly ILogger _logger;
    private readonly int _queueCapacity;
    private readonly int _retained;
    private readonly ConcurrentDictionary<string, NodeLog> _nodes = new(StringComparer.Ordinal);
    private long _dropped;

    /// <summary>Creates a transport.</summary>
    /// <param name="logger">Logs handler failures and drops; none when <see langword="null"/>.</param>
    /// <param name="queueCapacity">The capacity of each inbox's queue (at least 1).</param>
    /// <param name="retainedPerInbox">How many payloads each node keeps for reopening after a position (at least 0).</param>
    public InMemoryMessageTransport(ILogger<InMemoryMessageTransport>? logger = null, int queueCapacity = DefaultQueueCapacity, int retainedPerInbox = DefaultRetainedPerInbox)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(queueCapacity);
        ArgumentOutOfRangeException.ThrowIfNegative(retainedPerInbox);
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _queueCapacity = queueCapacity;
        _retained = retainedPerInbox;
    }

    /// <summary>How many payloads were dropped because an inbox's queue was full.</summary>
    public long DroppedEnvelopes => Interlocked.Read(ref _dropped);

    /// <inheritdoc />
    /// <remarks>
    /// Handlers of idle inboxes run on the calling thread before this returns (see the class remarks); the returned
    /// task is always completed.
    /// </remarks>
    public ValueTask PublishAsync(IReadOnlyCollection<string> nodeIds, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nodeIds);
        cancellationToken.ThrowIfCancellationRequested();
        // Indexed when possible: an interface enumerator would be one allocation per publish.
        if (nodeIds is IReadOnlyList<string> list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                PublishTo(list[i], payload);
            }
        }
        else
        {
            foreach (var nodeId in nodeIds)
            {
                PublishTo(nodeId, payload);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IAsyncDisposable> OpenInboxAsync(string nodeId, InboxHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Open(nodeId, afterPosition: null, live: true, (_, payload, token) => handler(payload, token), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IAsyncDisposable> OpenInboxAfterAsync(string nodeId, long? afterPosition, PositionedInboxHandler handler, CancellationToken cancellationToken = default)
        => Open(nodeId, afterPosition, live: false, handler, cancellationToken);

    /// <inheritdoc />
    public ValueTask CommitAsync(string nodeId, long position, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        cancellationToken.ThrowIfCancellationRequested();
        var node = _nodes.GetOrAdd(nodeId, static _ => new NodeLog());
        lock (node)
        {
            node.Committed = Math.Max(node.Committed ?? 0, position);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<long?> GetCommittedAsync(string nodeId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_nodes.TryGetValue(nodeId, out var node))
        {
            return ValueTask.FromResult<long?>(null);
        }

        lock (node)
        {
            return ValueTask.FromResult(node.Committed);
        }
    }

    /// <summary>Closes every inbox.</summary>
    /// <returns>A task that completes when no handler runs any more.</returns>
    public async ValueTask DisposeAsync()
    {
        var all = new List<Subscription>();
        foreach (var node in _nodes.Values)
        {
            lock (node)
            {
                all.AddRange(node.Inboxes);
            }
        }

        foreach (var subscription in all)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void PublishTo(string nodeId, ReadOnlyMemory<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        var node = _nodes.GetOrAdd(nodeId, static _ => new NodeLog());

        // Under the node's lock: the position, the retained copy and the hand-off to the open inboxes happen in one
        // order, so a reopen never misses or repeats a payload between the retained ones and the live ones. Handlers
        // run after the lock is released (one claimed inbox needs no list: the usual single inbox allocates nothing).
        Subscription? claimed = null;
        List<Subscription>? more = null;
        lock (node)
        {
            var position = ++node.LastPosition;
            node.Retain(position, payload, _retained);
            foreach (var subscription in node.Inboxes)
            {
                Hand(subscription, new Item(position, payload), nodeId, ref claimed, ref more);
            }
        }

        RunClaimed(claimed, more);
    }

    private static void RunClaimed(Subscription? claimed, List<Subscription>? more)
    {
        claimed?.RunClaimed();
        if (more is not null)
        {
            foreach (var subscription in more)
            {
                subscription.RunClaimed();
            }
        }
    }

    private void Hand(Subscription subscription, Item item, string nodeId, ref Subscription? claimed, ref List<Subscription>? more)
    {
        switch (subscription.Claim(item))
        {
            case Posted.Dropped:
                Interlocked.Increment(ref _dropped);
                LogEnvelopeDropped(_logger, nodeId);
                break;
            case Posted.Claimed when claimed is null:
                claimed = subscription;
                break;
            case Posted.Claimed:
                (more ??= []).Add(subscription);
                break;
        }
    }

    // live: only payloads published from now on; otherwise the retained ones after the position first.
    private ValueTask<IAsyncDisposable> Open(string nodeId, long? afterPosition, bool live, PositionedInboxHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        ArgumentNullException.ThrowIfNull(handler);
        cancellationToken.ThrowIfCancellationRequested();
        var node = _nodes.GetOrAdd(nodeId, static _ => new NodeLog());
        var subscription = new Subscription(this, nodeId, handler);
        Subscription? claimed = null;
        List<Subscription>? more = null;
        lock (node)
        {
            if (!live)
            {
                foreach (var (position, payload) in node.RetainedAfter(afterPosition ?? 0))
                {
                    Hand(subscription, new Item(position, payload), nodeId, ref claimed, ref more);
                }
            }

            node.Inboxes = [.. node.Inboxes, subscription];
        }

        RunClaimed(claimed, more);
        return ValueTask.FromResult<IAsyncDisposable>(subscription);
    }

    private void Remove(Subscription subscription)
    {
        if (_nodes.TryGetValue(subscription.NodeId, out var node))
        {
            lock (node)
            {
                node.Inboxes = Array.FindAll(node.Inboxes, s => s != subscription);
            }
        }
    }

    [LoggerMessage(EventId = 901, Level = LogLevel.Warning, Message = "The inbox handler of node '{NodeId}' failed to handle a payload; delivery continues.")]
    private static partial void LogHandlerFailed(ILogger logger, string nodeId, Exception exception);

    [LoggerMessage(EventId = 902, Level = LogLevel.Warning, Message = "The inbox queue of node '{NodeId}' is full; a payload was dropped.")]
    private static partial void LogEnvelopeDropped(ILogger logger, string nodeId);

    // What posting a payload to an open inbox did.
    private enum Posted
    {
        Queued,
        Dropped,
        Claimed,
    }

    // One payload and its position in the node's inbox.
    private readonly record struct Item(long Position, ReadOnlyMemory<byte> Payload);

    // One node's inbox: its positions, retained payloads, commit and open inboxes; changed under its own lock.
    private sealed class NodeLog
    {
        // Made at full size on first use, so retaining never allocates afterwards.
        private Queue<(long Position, ReadOnlyMemory<byte> Payload)>? _retained;

        public long LastPosition { get; set; }

        public long? Committed { get; set; }

        public Subscription[] Inboxes { get; set; } = [];

        public void Retain(long position, ReadOnlyMemory<byte> payload, int limit)
        {
            if (limit == 0)
            {
                return;
            }

            _retained ??= new Queue<(long Position, ReadOnlyMemory<byte> Payload)>(limit);
            if (_retained.Count >= limit)
            {
                _retained.Dequeue();
            }

            _retained.Enqueue((position, payload));
        }

        public (long Position, ReadOnlyMemory<byte> Payload)[] RetainedAfter(long position)
            => _retained is null ? [] : [.. _retained.Where(r => r.Position > position)];
    }

    // An actor: at most one drainer owns the subscription at a time (the publisher that found it idle, an async
    // continuation of a pending handler call, or a thread-pool work item after a hand-off), and only the owner calls
    // the handler. Envelopes posted while it is owned wait in the bounded queue, in arrival order.
    private sealed class Subscription : IAsyncDisposable, IThreadPoolWorkItem
    {
        private static readonly ContextCallback RunInlineCallback = static state => ((Subscription)state!).RunInline();
        private static readonly ContextCallback RunPooledCallback = static state => ((Subscription)state!).RunPooled();

        private readonly InMemoryMessageTransport _owner;
        private readonly PositionedInboxHandler _handler;
        private readonly Queue<Item> _queue = new();
        private readonly CancellationTokenSource _stopping = new();
        private ExecutionContext? _context;
        private bool _running;
        private bool _disposed;
        private TaskCompletionSource? _idle;

        // Handed from Post to RunInline by the owner only.
        private Item _inline;

        public Subscription(InMemoryMessageTransport owner, string nodeId, PositionedInboxHandler handler)
        {
            _owner = owner;
            NodeId = nodeId;
            _handler = handler;

            // The subscriber's execution context plus CurrentSubscription = this: every handler call runs in it,
            // as it did when each subscription had a task started at subscribe time. Null when the subscriber
            // suppressed the flow; then CurrentSubscription is set around each run instead.
            if (ExecutionContext.Capture() is { } context)
            {
                ExecutionContext.Run(context, static state => ((Subscription)state!).CaptureContext(), this);
            }
        }

        public string NodeId { get; }

        // Queues the payload, or claims the inbox so that the caller runs the payload inline with RunClaimed once it
        // holds no lock (a handler that publishes in turn must never run under a node's lock). After disposal
        // payloads are ignored.
        public Posted Claim(Item envelope)
        {
            lock (_queue)
            {
                if (_disposed)
                {
                    return Posted.Queued;
                }

                if (_running || t_inlineDepth >= MaxInlineDepth)
                {
                    if (_queue.Count >= _owner._queueCapacity)
                    {
                        return Posted.Dropped;
                    }

                    _queue.Enqueue(envelope);
                    if (!_running)
                    {
                        // Too deep to run inline: a pool thread takes it.
                        _running = true;
                        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                    }

                    return Posted.Queued;
                }

                // Owned from here: payloads posted until RunClaimed runs queue behind this one.
                _running = true;
                _inline = envelope;
                return Posted.Claimed;
            }
        }

        // Runs the claimed payload (and what queued behind it) on the calling thread, as the owner.
        public void RunClaimed()
        {
            t_inlineDepth++;
            try
            {
                RunInContext(RunInlineCallback);
            }
            finally
            {
                t_inlineDepth--;
            }
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
            var envelope = _inline;
            _inline = default;
            Drain(envelope, InlineBatch);
        }

        private void RunPooled()
        {
            if (TakeNext(int.MaxValue, out var envelope))
            {
                Drain(envelope, PoolBatch);
            }
        }

        // Runs as the owner: calls the handler for the envelope and for what is queued behind it, until the queue is
        // empty (ownership released), a call is pending (ownership moves to its continuation) or the budget is spent
        // (ownership moves to a thread-pool work item).
        private void Drain(Item envelope, int budget)
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

                envelope = next;
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
                    LogHandlerFailed(_owner._logger, NodeId, exception);
                }

                // Already off the publisher's thread: drain without a budget, as a dedicated loop would.
                if (!TakeNext(int.MaxValue, out var next))
                {
                    return;
                }

                pending = Invoke(next);
            }
        }

        // Calls the handler; a synchronous throw becomes a faulted task so one path observes both.
        private ValueTask Invoke(Item item)
        {
            try
            {
                return _handler(item.Position, item.Payload, _stopping.Token);
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
                LogHandlerFailed(_owner._logger, NodeId, exception);
            }

            return true;
        }

        // As the owner: takes the next envelope, or releases ownership when there is none or the subscription was
        // disposed, or hands ownership to the thread pool when the budget is spent.
        private bool TakeNext(int budget, out Item envelope)
        {
            lock (_queue)
            {
                if (_disposed || _queue.Count == 0)
                {
                    envelope = default;
                    _running = false;
                    _idle?.TrySetResult();
                    return false;
                }

                if (budget <= 0)
                {
                    envelope = default;
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
