using System.Collections.Concurrent;

namespace Messaging;

/// <summary>
/// The serialized delivery pipeline of one client connection: a bounded queue drained by one runner at a time, so
/// live envelopes, catch-up, statuses, typing and presence reach the connection one at a time, in order, without
/// locks. There is no dedicated worker: whoever enqueues into an idle pipeline drains it on its own thread (a live
/// message, a status or a typing event is written straight through, with no thread-pool hop), until an item has to
/// wait (a store read, flow control), a heavy item comes up (catch-up, refill, a gap re-read, a presence snapshot)
/// or a batch of <see cref="InlineBatch"/> items was written; the rest then continues on the thread pool and later
/// items queue behind it. A producer that fans one envelope out to many connections hands each idle pipeline to the
/// thread pool instead (<c>handOff</c>): it does not write every socket in turn, the connections are written on every
/// core, and a connection that meanwhile received more items writes them in one burst (which the socket transport
/// sends together). Enqueueing never blocks and never waits for I/O (transport handlers must not); a full queue,
/// or a connection without flow control that refuses a write, is a slow consumer: the connection is aborted and the
/// pipeline stops (the client resumes by catch-up). A connection with flow control
/// (<see cref="IFlowControlledClientConnection"/>) is waited for instead, so only this bounded queue decides who is
/// too slow.
/// </summary>
internal sealed class ConnectionPipeline : IDeliveryWriter
{
    /// <summary>How many items a drain runs on the enqueuing thread before it moves to the thread pool.</summary>
    internal const int InlineBatch = 64;

    private readonly EngineContext _context;
    private readonly IPresenceStore _presence;
    private readonly PresencePrivacy _privacy;
    private readonly IClientConnection _connection;
    private readonly ConcurrentQueue<Item> _queue = new();
    private readonly OrderedDelivery _delivery;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count;
    private int _running;
    private int _started;
    private int _stopped;

    // An item the inline runner took and handed, with the pipeline, to the thread pool: the next runner's first item.
    // Only the runner (the holder of _running) touches it. Taking an item and carrying it over instead of peeking
    // first keeps the queue's blocks reusable: a peek marks a block as observed, so it is never refilled and every
    // few dozen items would cost a new one.
    private Item? _carried;

    public ConnectionPipeline(EngineContext context, IPresenceStore presence, PresencePrivacy privacy, DeliveryReads reads, StatusReader statuses, string userId, string deviceId, IClientConnection connection)
    {
        _context = context;
        _presence = presence;
        _privacy = privacy;
        _connection = connection;
        UserId = userId;
        DeviceId = deviceId;
        ConnectionId = connection.ConnectionId;
        _delivery = new OrderedDelivery(context, reads, statuses, userId, deviceId, this);
    }

    public string UserId { get; }

    public string DeviceId { get; }

    public string ConnectionId { get; }

    /// <summary>Whether the pipeline still delivers (not aborted or stopped).</summary>
    public bool IsAlive => Volatile.Read(ref _stopped) == 0;

    /// <summary>Starts delivering; items queued before (the initial catch-up) run first, on the thread pool.</summary>
    public void Start()
    {
        Volatile.Write(ref _started, 1);
        TryDrain();
    }

    /// <summary>Queues a live message (from the backplane, or routed here without it).</summary>
    /// <param name="message">The message.</param>
    /// <param name="originConnectionId">The connection that sent it, which only advances its cursor.</param>
    /// <param name="handOff">Whether an idle pipeline starts on the thread pool, not on the calling thread (a fan-out).</param>
    public void EnqueueMessage(Message message, string? originConnectionId, bool handOff) => Enqueue(new MessageItem(message, originConnectionId), handOff);

    /// <summary>Queues an event written as is (statuses, typing).</summary>
    /// <param name="clientEvent">The event.</param>
    /// <param name="handOff">Whether an idle pipeline starts on the thread pool, not on the calling thread (a fan-out).</param>
    public void EnqueueEvent(ClientEvent clientEvent, bool handOff = false) => Enqueue(new EventItem(clientEvent), handOff);

    /// <summary>Queues a presence change; privacy is applied for this connection's user when it is written.</summary>
    /// <param name="change">The raw change.</param>
    public void EnqueuePresence(PresenceChange change) => Enqueue(new PresenceItem(change.UserId, change));

    /// <summary>Queues the current presence of a user (read when the item runs, so it is never older than a queued change).</summary>
    /// <param name="subjectId">The user.</param>
    public void EnqueuePresenceSnapshot(string subjectId) => Enqueue(new PresenceItem(subjectId, null));

    /// <summary>Queues a catch-up of one conversation from the store (no sync-complete event).</summary>
    /// <param name="conversationId">The conversation.</param>
    public void EnqueueConversationCatchUp(string conversationId) => Enqueue(new ConversationCatchUpItem(conversationId));

    /// <inheritdoc />
    public void EnqueueRecheck(string conversationId) => Enqueue(new RecheckItem(conversationId));

    /// <summary>Queues a refill of every conversation of the user from the store (the backplane may have lost envelopes).</summary>
    public void EnqueueRefill() => Enqueue(new RefillItem());

    /// <summary>Queues a catch-up that ends with a <see cref="SyncCompleteEvent"/>.</summary>
    /// <param name="cursors">The client's cursors, or <see langword="null"/> for the device's stored marks.</param>
    /// <returns>A task that completes when the sync-complete event was written.</returns>
    public Task SyncAsync(IReadOnlyDictionary<string, long>? cursors)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(new SyncItem(cursors, done));
        return done.Task;
    }

    /// <summary>Queues the catch-up of a new connection; its outcome is only logged (nobody awaits it).</summary>
    public void EnqueueInitialCatchUp()
        => _ = SyncAsync(null).ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>Aborts the connection (slow consumer, shutdown) and stops delivering.</summary>
    /// <param name="reason">Why.</param>
    public void Abort(string reason)
    {
        if (!TryStop())
        {
            return;
        }

        _context.Metrics.ConnectionAborted(reason);
        _context.Logger.ConnectionAborted(ConnectionId, UserId, reason);
        try
        {
            _connection.Abort(reason);
        }
        catch (Exception exception)
        {
            _context.Logger.ConnectionCallFailed(ConnectionId, exception);
        }
    }

    /// <summary>Stops delivering (the connection closed) and waits until no item runs any more.</summary>
    /// <returns>A task that completes when the last runner left; what was still queued is abandoned.</returns>
    public async ValueTask StopAsync()
    {
        TryStop();
        await _drained.Task.ConfigureAwait(false);
    }

    private bool TryStop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return false;
        }

        _stopping.Cancel();

        // Nobody may be running: take the pipeline to abandon what is queued (or leave it to the runner, which sees
        // the stop when it releases the pipeline).
        TryDrain();
        return true;
    }

    private void Enqueue(Item item, bool handOff = false)
    {
        if (!IsAlive)
        {
            item.Abandon();
            return;
        }

        if (Interlocked.Increment(ref _count) > EngineLimits.DeliveryQueueCapacity)
        {
            Interlocked.Decrement(ref _count);
            item.Abandon();
            Abort("slow consumer");
            return;
        }

        _queue.Enqueue(item);
        if (Volatile.Read(ref _started) != 0 || !IsAlive)
        {
            TryDrain(handOff);
        }
    }

    // Becomes the runner when nobody is; the drain runs on this thread until it has to wait or hands off, or, handed
    // off, on the thread pool from the start.
    private void TryDrain(bool handOff = false)
    {
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
        {
            return;
        }

        if (handOff)
        {
            HandOff();
        }
        else
        {
            _ = DrainAsync(inline: true);
        }
    }

    // Runs the drain on the thread pool; the caller holds _running, which the drain takes over.
    private void HandOff() => ThreadPool.UnsafeQueueUserWorkItem(static pipeline => _ = pipeline.DrainAsync(inline: false), this, preferLocal: false);

    // The runner. Only one runs at a time (it holds _running); it hands the pipeline over to the thread pool, still
    // held, before a heavy item or after a batch when it runs on an enqueuing thread.
    private async Task DrainAsync(bool inline)
    {
        var token = _stopping.Token;
        var processed = 0;
        while (true)
        {
            while (TakeNext() is { } item)
            {
                if (inline && IsAlive && (item.IsHeavy || processed == InlineBatch))
                {
                    _carried = item;
                    HandOff();
                    return;
                }

                Interlocked.Decrement(ref _count);
                if (!IsAlive)
                {
                    item.Abandon();
                    continue;
                }

                processed++;
                await ProcessAsync(item, token).ConfigureAwait(false);
            }

            var stopped = !IsAlive;
            if (stopped)
            {
                _delivery.StopRechecks();
                _drained.TrySetResult();
            }

            Interlocked.Exchange(ref _running, 0);

            // An item enqueued, or a stop requested, while this runner was finishing found the pipeline taken: look again.
            if ((_queue.IsEmpty && stopped == !IsAlive) || Interlocked.CompareExchange(ref _running, 1, 0) != 0)
            {
                return;
            }
        }
    }

    // The carried item first, then the queue's head (the runner only).
    private Item? TakeNext()
    {
        if (_carried is { } carried)
        {
            _carried = null;
            return carried;
        }

        return _queue.TryDequeue(out var item) ? item : null;
    }

    private async ValueTask ProcessAsync(Item item, CancellationToken token)
    {
        try
        {
            switch (item)
            {
                case MessageItem m:
                    await _delivery.DeliverAsync(m.Message, visible: !string.Equals(m.OriginConnectionId, ConnectionId, StringComparison.Ordinal), token).ConfigureAwait(false);
                    break;
                case EventItem e:
                    await WriteAsync(e.Event, token).ConfigureAwait(false);
                    break;
                case PresenceItem p:
                    var raw = p.Change ?? await _presence.GetAsync(p.SubjectId, token).ConfigureAwait(false);
                    await WriteAsync(new PresenceEvent(await _privacy.ViewAsync(raw, UserId, token).ConfigureAwait(false)), token).ConfigureAwait(false);
                    break;
                case RecheckItem r:
                    await _delivery.RecheckAsync(r.ConversationId, token).ConfigureAwait(false);
                    break;
                case ConversationCatchUpItem c:
                    await _delivery.CatchUpConversationAsync(c.ConversationId, token).ConfigureAwait(false);
                    break;
                case RefillItem:
                    await _delivery.RefillAllAsync(token).ConfigureAwait(false);
                    break;
                case SyncItem s:
                    var cursors = await _delivery.CatchUpAsync(s.Cursors, token).ConfigureAwait(false);
                    if (IsAlive && await WriteAsync(new SyncCompleteEvent(cursors), token).ConfigureAwait(false))
                    {
                        s.Done.TrySetResult();
                    }
                    else
                    {
                        s.Abandon();
                    }

                    break;
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped while the item waited: the drain abandons the rest.
            item.Abandon();
        }
        catch (Exception exception)
        {
            // One failed item (a store read, a contact lookup) never stops the connection's delivery.
            _context.Logger.DeliveryItemFailed(ConnectionId, exception);
            item.Fail(exception);
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> WriteAsync(ClientEvent clientEvent, CancellationToken cancellationToken)
    {
        if (_connection is not IFlowControlledClientConnection flow)
        {
            return Write(clientEvent);
        }

        // Another writer (the gateway's own frames) may take the room between the wait and the write: wait again.
        while (IsAlive)
        {
            if (TryWriteOnce(clientEvent) is not { } written)
            {
                Abort("connection failed");
                return false;
            }

            if (written)
            {
                return true;
            }

            bool room;
            try
            {
                room = await flow.WaitToWriteAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                _context.Logger.ConnectionCallFailed(ConnectionId, exception);
                room = false;
            }

            if (!room)
            {
                Abort("connection closed");
                return false;
            }
        }

        return false;
    }

    private bool Write(ClientEvent clientEvent)
    {
        if (!IsAlive)
        {
            return false;
        }

        var written = TryWriteOnce(clientEvent) ?? false;
        if (!written)
        {
            Abort("slow consumer");
        }

        return written;
    }

    // One write attempt: true when queued, false when the queue is full or closed, null when the connection threw.
    private bool? TryWriteOnce(ClientEvent clientEvent)
    {
        try
        {
            if (!_connection.TryWrite(clientEvent))
            {
                return false;
            }
        }
        catch (Exception exception)
        {
            _context.Logger.ConnectionCallFailed(ConnectionId, exception);
            return null;
        }

        if (clientEvent is MessageEvent)
        {
            _context.Metrics.Delivered();
        }

        return true;
    }

    private abstract record Item
    {
        /// <summary>Whether the item may read the store at length (never run on an enqueuing thread).</summary>
        public virtual bool IsHeavy => true;

        public virtual void Abandon()
        {
        }

        public virtual void Fail(Exception exception)
        {
        }
    }

    private sealed record MessageItem(Message Message, string? OriginConnectionId) : Item
    {
        public override bool IsHeavy => false;
    }

    private sealed record EventItem(ClientEvent Event) : Item
    {
        public override bool IsHeavy => false;
    }

    private sealed record PresenceItem(string SubjectId, PresenceChange? Change) : Item
    {
        public override bool IsHeavy => Change is null;
    }

    private sealed record RecheckItem(string ConversationId) : Item;

    private sealed record ConversationCatchUpItem(string ConversationId) : Item;

    private sealed record RefillItem : Item;

    private sealed record SyncItem(IReadOnlyDictionary<string, long>? Cursors, TaskCompletionSource Done) : Item
    {
        public override void Abandon() => Done.TrySetException(new MessagingException(MessagingErrorKind.Internal, "The connection closed before the sync completed."));

        public override void Fail(Exception exception) => Done.TrySetException(new MessagingBackendException("The sync failed; try again.", exception));
    }
}
