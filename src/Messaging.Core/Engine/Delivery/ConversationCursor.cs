namespace Messaging;

/// <summary>
/// What one connection has been sent of one conversation: every seq up to <see cref="Position"/>, plus messages that
/// arrived ahead of a missing seq and wait for it (<c>pending</c>). Used only by the connection's delivery worker.
/// </summary>
internal sealed class ConversationCursor(string conversationId, long position)
{
    // Small in practice (messages overtaking an append still in flight), so a sorted list is cheapest.
    private SortedList<long, (Message Message, bool Write)>? _pending;

    /// <summary>The conversation.</summary>
    public string ConversationId { get; } = conversationId;

    /// <summary>The highest seq handled without a gap below it.</summary>
    public long Position { get; private set; } = position;

    /// <summary>
    /// The highest seq the connection may receive: the removal's seq for a former member, <see langword="null"/> for
    /// a member. Messages above it are never accepted.
    /// </summary>
    public long? Limit { get; set; }

    /// <summary>Whether messages wait for a missing seq.</summary>
    public bool HasPending => _pending is { Count: > 0 };

    /// <summary>The lowest waiting seq (only when <see cref="HasPending"/>).</summary>
    public long LowestPending => _pending!.Keys[0];

    /// <summary>The highest waiting seq (only when <see cref="HasPending"/>).</summary>
    public long HighestPending => _pending!.Keys[^1];

    /// <summary>
    /// Since when the cursor has waited for a missing seq without moving, or <see langword="null"/>: cleared whenever
    /// it moves, so a stream that keeps reordering never gives up a seq that is merely late.
    /// </summary>
    public DateTimeOffset? WaitingSince { get; set; }

    /// <summary>The timer of the scheduled re-read of the store, if any.</summary>
    public ITimer? RecheckTimer { get; set; }

    /// <summary>Keeps a message that arrived ahead of a missing seq (the first arrival's write flag wins).</summary>
    /// <param name="message">The message, with <c>seq &gt; Position + 1</c>.</param>
    /// <param name="write">Whether the connection should see it (<see langword="false"/> for its own sends).</param>
    public void Park(Message message, bool write)
    {
        _pending ??= [];
        _pending.TryAdd(message.Seq, (message, write));
    }

    /// <summary>
    /// Moves past <paramref name="message"/> (<c>seq == Position + 1</c>) and past every waiting message that thereby
    /// became contiguous; adds the ones to write to <paramref name="toWrite"/>, in seq order.
    /// </summary>
    /// <param name="message">The next message.</param>
    /// <param name="write">Whether to write it (a parked copy's flag takes precedence).</param>
    /// <param name="toWrite">Receives the messages to write; tombstones are never written.</param>
    public void Accept(Message message, bool write, List<Message> toWrite)
    {
        if (_pending is not null && _pending.TryGetValue(message.Seq, out var parked))
        {
            _pending.Remove(message.Seq);
            write = parked.Write;
        }

        Emit(message, write, toWrite);
        Drain(toWrite);
    }

    /// <summary>Gives up on the missing seqs below the lowest waiting one and moves on.</summary>
    /// <param name="toWrite">Receives the messages to write.</param>
    public void SkipToPending(List<Message> toWrite)
    {
        Position = LowestPending - 1;
        Drain(toWrite);
    }

    /// <summary>
    /// Moves past seqs up to <paramref name="position"/> that are gone from the store (below its history start). A
    /// waiting message among them was received before it was removed: it is still emitted, in order.
    /// </summary>
    /// <param name="position">The seq before the store's history start.</param>
    /// <param name="toWrite">Receives the messages to write.</param>
    public void SkipRemoved(long position, List<Message> toWrite)
    {
        while (HasPending && LowestPending <= position)
        {
            var (message, write) = _pending!.Values[0];
            _pending.RemoveAt(0);
            Emit(message, write, toWrite);
        }

        Position = Math.Max(Position, position);
        Drain(toWrite);
    }

    /// <summary>Sets the position (catch-up from a cursor); waiting messages at or below it are dropped.</summary>
    /// <param name="position">The new position.</param>
    public void Reset(long position)
    {
        Position = position;
        DropHandled();
    }

    /// <summary>Cancels a scheduled re-read.</summary>
    public void StopRecheck()
    {
        RecheckTimer?.Dispose();
        RecheckTimer = null;
    }

    private void Emit(Message message, bool write, List<Message> toWrite)
    {
        Position = message.Seq;
        if (write && message.Kind != MessageKind.Tombstone)
        {
            toWrite.Add(message);
        }
    }

    private void Drain(List<Message> toWrite)
    {
        DropHandled();
        while (_pending is not null && _pending.TryGetValue(Position + 1, out var next))
        {
            _pending.Remove(next.Message.Seq);
            Emit(next.Message, next.Write, toWrite);
        }

        // Every caller has just moved the cursor: a gap that remains waits from its next look at the store.
        WaitingSince = null;
    }

    private void DropHandled()
    {
        while (HasPending && LowestPending <= Position)
        {
            _pending!.RemoveAt(0);
        }
    }
}
