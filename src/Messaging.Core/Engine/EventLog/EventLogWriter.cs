namespace Messaging;

/// <summary>
/// Appends what the engine committed to the <see cref="IEventLog"/>: one ordered lane per conversation, drained by one
/// append at a time, so a conversation's events reach the log in the order they were handed over, and its messages in
/// seq order (a message handed over late, while a higher seq of the same conversation is still waiting, takes its place
/// before it). Handing over never waits: the send, membership and receipt paths only enqueue.
/// </summary>
/// <remarks>
/// <para>
/// An append that fails is retried after <see cref="MessagingOptions.EventLogRetryInterval"/>, the same events in the
/// same order, until it succeeds, so nothing committed is lost while the log is down. The lanes hold at most
/// <see cref="MessagingOptions.EventLogBufferCapacity"/> events; beyond that a message is kept only as its seq (runs of
/// consecutive seqs as one range) and read back from the store — the reconciler — when its turn comes, so a long outage
/// costs a few ranges per conversation, never a committed message. Membership and receipt events beyond the capacity
/// are dropped, counted and logged (they are not in the store to read back; a receipt is a watermark that the member's
/// next ack moves again).
/// </para>
/// <para>
/// Events still waiting when the engine stops are logged as not appended: the lanes live in process memory, so the
/// guarantee holds for as long as the node runs.
/// </para>
/// </remarks>
internal sealed class EventLogWriter(EngineContext context, IEventLog? log, IMessageStore messages)
{
    /// <summary>The most events one append carries.</summary>
    public const int MaxBatch = 256;

    private readonly object _gate = new();
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource? _drained;
    private int _buffered;
    private long _dropped;

    /// <summary>Whether an event log is registered (otherwise nothing is enqueued).</summary>
    public bool Enabled => log is not null;

    /// <summary>How many membership and receipt events were dropped because the lanes were full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Hands over a committed message or tombstone.</summary>
    /// <param name="message">The message as stored.</param>
    public void Message(Message message)
    {
        if (log is null)
        {
            return;
        }

        lock (_gate)
        {
            var lane = LaneOf(message.ConversationId);
            if (_buffered < context.Options.EventLogBufferCapacity)
            {
                lane.InsertMessage(new Item(new MessageLogEvent(message), message.Seq, message.Seq));
                _buffered++;
            }
            else
            {
                lane.InsertRange(message.Seq);
            }

            Pump(message.ConversationId, lane);
        }
    }

    /// <summary>Hands over a membership change that took effect.</summary>
    /// <param name="conversation">The conversation after the change.</param>
    /// <param name="userId">The member who joined or left.</param>
    /// <param name="joined">Whether the member joined.</param>
    public void Membership(Conversation conversation, string userId, bool joined)
    {
        if (log is not null)
        {
            Other(new MembershipLogEvent(conversation.Id, context.Now, userId, joined, [.. conversation.Members.Select(m => m.UserId)]));
        }
    }

    /// <summary>Hands over an ack that advanced a device's watermark.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="userId">The member.</param>
    /// <param name="deviceId">The device.</param>
    /// <param name="status">Delivered or read.</param>
    /// <param name="upToSeq">The seq acknowledged.</param>
    public void Receipt(string conversationId, string userId, string deviceId, ReceiptStatus status, long upToSeq)
    {
        if (log is not null)
        {
            Other(new ReceiptLogEvent(conversationId, context.Now, userId, deviceId, status, upToSeq));
        }
    }

    /// <summary>Completes when every lane is empty (tests and shutdown).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when nothing waits to be appended.</returns>
    public Task WhenDrainedAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_lanes.Count == 0)
            {
                return Task.CompletedTask;
            }

            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drained.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Waits for the lanes to drain (at most one retry interval, and not when the log is failing), then stops them.</summary>
    /// <param name="cancellationToken">Cancels the wait for the drain.</param>
    /// <returns>A task that completes when stopped.</returns>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (log is null)
        {
            return;
        }

        bool failing;
        lock (_gate)
        {
            failing = _lanes.Values.Any(l => l.Failing);
        }

        if (!failing)
        {
            // At most one retry interval: an append in flight to a log that went down would otherwise hold the stop.
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var drained = WhenDrainedAsync(bounded.Token);
            await Task.WhenAny(drained, Task.Delay(context.Options.EventLogRetryInterval, context.Time, bounded.Token)).ConfigureAwait(false);
            await bounded.CancelAsync().ConfigureAwait(false);
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        lock (_gate)
        {
            var waiting = _lanes.Values.Sum(l => l.Count);
            if (waiting > 0)
            {
                context.Logger.EventLogAbandoned(context.NodeId, waiting);
            }
        }
    }

    private void Other(LogEvent logEvent)
    {
        lock (_gate)
        {
            if (_buffered >= context.Options.EventLogBufferCapacity)
            {
                Interlocked.Increment(ref _dropped);
                context.Logger.EventLogEventDropped(logEvent.ConversationId, logEvent.GetType().Name);
                return;
            }

            var lane = LaneOf(logEvent.ConversationId);
            lane.Append(new Item(logEvent, 0, 0));
            _buffered++;
            Pump(logEvent.ConversationId, lane);
        }
    }

    private Lane LaneOf(string conversationId)
    {
        if (!_lanes.TryGetValue(conversationId, out var lane))
        {
            lane = new Lane();
            _lanes.Add(conversationId, lane);
        }

        return lane;
    }

    // Under the gate: starts the lane's pump unless it runs.
    private void Pump(string conversationId, Lane lane)
    {
        if (!lane.Pumping && !_stopping.IsCancellationRequested)
        {
            lane.Pumping = true;
            _ = Task.Run(() => PumpAsync(conversationId, lane));
        }
    }

    private async Task PumpAsync(string conversationId, Lane lane)
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            List<Item> batch;
            lock (_gate)
            {
                batch = lane.TakeHead(MaxBatch);
                if (batch.Count == 0)
                {
                    lane.Pumping = false;
                    _lanes.Remove(conversationId);
                    if (_lanes.Count == 0 && _drained is { } drained)
                    {
                        _drained = null;
                        drained.TrySetResult();
                    }

                    return;
                }
            }

            try
            {
                var events = await ResolveAsync(conversationId, batch, token).ConfigureAwait(false);
                if (events.Count > 0)
                {
                    await log!.AppendAsync(events, token).ConfigureAwait(false);
                }

                lock (_gate)
                {
                    _buffered -= lane.RemoveHead(batch);
                    if (lane.Failing)
                    {
                        lane.Failing = false;
                        context.Logger.EventLogRecovered(conversationId);
                    }
                }
            }
            catch (Exception exception) when (!token.IsCancellationRequested)
            {
                lock (_gate)
                {
                    lane.Failing = true;
                    lane.ReleaseHead();
                }

                context.Logger.EventLogAppendFailed(conversationId, batch.Count, exception);
                try
                {
                    await Task.Delay(context.Options.EventLogRetryInterval, context.Time, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // The events of a batch: ranges kept only as seqs are read back from the store (the reconciler); a seq the store
    // no longer holds (retention) has nothing to append.
    private async ValueTask<List<LogEvent>> ResolveAsync(string conversationId, List<Item> batch, CancellationToken cancellationToken)
    {
        var events = new List<LogEvent>(batch.Count);
        foreach (var item in batch)
        {
            if (item.Event is { } logEvent)
            {
                events.Add(logEvent);
                continue;
            }

            var after = item.FromSeq - 1;
            while (after < item.ToSeq)
            {
                var read = await messages.ReadAfterAsync(conversationId, after, (int)Math.Min(MaxBatch, item.ToSeq - after), cancellationToken).ConfigureAwait(false);
                foreach (var message in read)
                {
                    if (message.Seq <= item.ToSeq)
                    {
                        events.Add(new MessageLogEvent(message));
                    }
                }

                if (read.Count == 0)
                {
                    break;
                }

                after = read[^1].Seq;
            }
        }

        return events;
    }

    // One event, or (Event null) a run of message seqs to read back from the store. FromSeq/ToSeq are 0 for events
    // that are not messages.
    private sealed record Item(LogEvent? Event, long FromSeq, long ToSeq)
    {
        public bool IsMessage => FromSeq > 0;

        public int Buffered => Event is null ? 0 : 1;
    }

    // A conversation's waiting events; the first InFlight of them are being appended. Guarded by the writer's gate.
    private sealed class Lane
    {
        private readonly List<Item> _items = [];
        private int _inFlight;

        public bool Pumping { get; set; }

        public bool Failing { get; set; }

        public int Count => _items.Count;

        public void Append(Item item) => _items.Add(item);

        // A message goes before the waiting messages with higher seqs that are not being appended yet.
        public void InsertMessage(Item item) => _items.Insert(InsertionIndex(item.FromSeq), item);

        // A seq kept without its message: it joins a neighbouring run when it continues it.
        public void InsertRange(long seq)
        {
            var index = InsertionIndex(seq);
            if (index > _inFlight && _items[index - 1] is { Event: null } before && before.ToSeq == seq - 1)
            {
                _items[index - 1] = before with { ToSeq = seq };
            }
            else
            {
                _items.Insert(index, new Item(null, seq, seq));
            }
        }

        public List<Item> TakeHead(int max)
        {
            _inFlight = Math.Min(max, _items.Count);
            return _items.GetRange(0, _inFlight);
        }

        // The batch was appended: it is still the head (nothing is inserted before the in-flight items).
        public int RemoveHead(List<Item> batch)
        {
            _items.RemoveRange(0, batch.Count);
            _inFlight = 0;
            return batch.Sum(i => i.Buffered);
        }

        public void ReleaseHead() => _inFlight = 0;

        private int InsertionIndex(long seq)
        {
            var index = _items.Count;
            while (index > _inFlight && _items[index - 1].IsMessage && _items[index - 1].FromSeq > seq)
            {
                index--;
            }

            return index;
        }
    }
}
