namespace Messaging;

/// <summary>One user's marks moving in one conversation: what <see cref="StatusNotifier"/> turns into statuses.</summary>
/// <param name="Conversation">The conversation (the newest copy seen).</param>
/// <param name="AckerId">The user whose marks moved.</param>
/// <param name="Before">The user's aggregate marks before.</param>
/// <param name="After">The user's aggregate marks after.</param>
/// <param name="Newest">The message the move was for, when the caller had it.</param>
internal sealed record MarkMove(Conversation Conversation, string AckerId, Watermark Before, Watermark After, Message? Newest)
{
    /// <summary>The two moves as one: from the lower of the marks before to the higher of the marks after.</summary>
    /// <param name="later">A move of the same user in the same conversation that came after this one.</param>
    /// <returns>The merged move.</returns>
    public MarkMove Then(MarkMove later)
    {
        var before = new Watermark(Math.Min(Before.DeliveredUpTo, later.Before.DeliveredUpTo), Math.Min(Before.ReadUpTo, later.Before.ReadUpTo), null, null);
        var after = new Watermark(Math.Max(After.DeliveredUpTo, later.After.DeliveredUpTo), Math.Max(After.ReadUpTo, later.After.ReadUpTo), null, null);
        var newest = later.Newest is { } next && (Newest is null || next.Seq >= Newest.Seq) ? next : Newest;
        return new MarkMove(later.Conversation, AckerId, before, after, newest);
    }
}

// Spacing out the statuses of one user's marks in one conversation (MessagingOptions.ReceiptStatusInterval): the first
// move is published at once and opens a window; the moves made while it is open are merged into one and published when
// it closes, which opens the next window. An idle conversation's status therefore goes out at once, and a busy one
// sends at most one status per sender and mark per interval instead of one per message or ack.
// Statuses are watermarks (DESIGN §3): one for seq N stands for every earlier message of its sender, so the newest of a
// merged range is all a sender needs, and merging two moves (the lower marks before, the higher marks after) crosses
// exactly the messages the two crossed. A window without a move when it closes ends: the node holds one small entry
// per (conversation, user) that moved within the last interval. Only conversations of up to ProbeAboveMembers members
// are held (see TryHold).
internal sealed partial class StatusNotifier
{
    private readonly Dictionary<(string ConversationId, string UserId), Window> _windows = [];

    /// <summary>Publishes at once what every open window holds, and closes them (the engine stopping).</summary>
    /// <returns>A task that completes when published (failures are logged).</returns>
    public async Task FlushHeldAsync()
    {
        List<MarkMove> held = [];
        lock (_windows)
        {
            foreach (var window in _windows.Values)
            {
                window.Timer?.Dispose();
                if (window.Held is { } move)
                {
                    held.Add(move);
                }
            }

            _windows.Clear();
        }

        foreach (var move in held)
        {
            await PublishHeldAsync(move).ConfigureAwait(false);
        }
    }

    // Holds a move in its open window (true), or opens a window for it and lets the caller publish it now (false).
    private bool TryHold(MarkMove move)
    {
        // A large group's moves are not held: its sampled check (CannotMoveAnyAggregateAsync) cuts most acks short by
        // comparing the members' marks with each move's own marks before, and a merged move's lower marks before would
        // defeat it (every held move then reading all members' marks).
        var interval = context.Options.ReceiptStatusInterval;
        if (interval <= TimeSpan.Zero || move.Conversation.Members.Count > ProbeAboveMembers)
        {
            return false;
        }

        var key = (move.Conversation.Id, move.AckerId);
        lock (_windows)
        {
            if (_windows.TryGetValue(key, out var open))
            {
                open.Held = open.Held is { } held ? held.Then(move) : move;
                return true;
            }

            var window = new Window(this, key);
            _windows.Add(key, window);
            window.Timer = context.Time.CreateTimer(static state => ((Window)state!).Close(), window, interval, Timeout.InfiniteTimeSpan);
            return false;
        }
    }

    // A window's interval ended: what it holds is published and the next window opens; an empty window ends.
    private void Close(Window window)
    {
        MarkMove? held;
        lock (_windows)
        {
            if (!_windows.TryGetValue(window.Key, out var current) || current != window)
            {
                return;
            }

            held = window.Held;
            window.Held = null;
            if (held is null)
            {
                _windows.Remove(window.Key);
                window.Timer?.Dispose();
                return;
            }

            window.Timer?.Change(context.Options.ReceiptStatusInterval, Timeout.InfiniteTimeSpan);
        }

        _ = PublishHeldAsync(held);
    }

    private async Task PublishHeldAsync(MarkMove move)
    {
        try
        {
            await PublishNowAsync(move, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            context.Logger.HeldStatusesFailed(move.Conversation.Id, move.AckerId, exception);
        }
    }

    private sealed class Window(StatusNotifier owner, (string ConversationId, string UserId) key)
    {
        public (string ConversationId, string UserId) Key { get; } = key;

        public ITimer? Timer { get; set; }

        public MarkMove? Held { get; set; }

        public void Close() => owner.Close(this);
    }
}
