namespace Messaging;

/// <summary>The marks a window of <see cref="StatusNotifier"/> held for one user in one conversation, to be published.</summary>
/// <param name="Conversation">The conversation (the newest copy seen).</param>
/// <param name="AckerId">The user whose marks moved.</param>
/// <param name="Before">The user's aggregate marks before.</param>
/// <param name="After">The user's aggregate marks after.</param>
/// <param name="Newest">The message the move was for, when the caller had it.</param>
internal sealed record MarkMove(Conversation Conversation, string AckerId, Watermark Before, Watermark After, Message? Newest);

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
                if (window.TakeHeld() is { } move)
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

    // Holds a move in its open window (true), or opens a window for it and lets the caller publish it now (false). A
    // held move is merged into the window in place: the busy path allocates nothing per move.
    private bool TryHold(Conversation conversation, string ackerId, Watermark before, Watermark after, Message? newest)
    {
        // A large group's moves are not held: its sampled check (CannotMoveAnyAggregateAsync) cuts most acks short by
        // comparing the members' marks with each move's own marks before, and a merged move's lower marks before would
        // defeat it (every held move then reading all members' marks).
        var interval = context.Options.ReceiptStatusInterval;
        if (interval <= TimeSpan.Zero || conversation.Members.Count > ProbeAboveMembers)
        {
            return false;
        }

        var key = (conversation.Id, ackerId);
        lock (_windows)
        {
            if (_windows.TryGetValue(key, out var open))
            {
                open.Hold(conversation, before, after, newest);
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

            held = window.TakeHeld();
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
            await PublishNowAsync(move.Conversation, move.AckerId, move.Before, move.After, move.Newest, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            context.Logger.HeldStatusesFailed(move.Conversation.Id, move.AckerId, exception);
        }
    }

    // Guarded by StatusNotifier._windows.
    private sealed class Window(StatusNotifier owner, (string ConversationId, string UserId) key)
    {
        private Conversation? _conversation;
        private Watermark _before;
        private Watermark _after;
        private Message? _newest;

        public (string ConversationId, string UserId) Key { get; } = key;

        public ITimer? Timer { get; set; }

        public void Close() => owner.Close(this);

        /// <summary>
        /// Adds a move to what the window holds: the first as it is, a later one merged (the lower of the marks before,
        /// the higher of the marks after, the newer message, the newer copy of the conversation).
        /// </summary>
        public void Hold(Conversation conversation, Watermark before, Watermark after, Message? newest)
        {
            if (_conversation is null)
            {
                (_before, _after, _newest) = (before, after, newest);
            }
            else
            {
                _before = new Watermark(Math.Min(_before.DeliveredUpTo, before.DeliveredUpTo), Math.Min(_before.ReadUpTo, before.ReadUpTo), null, null);
                _after = new Watermark(Math.Max(_after.DeliveredUpTo, after.DeliveredUpTo), Math.Max(_after.ReadUpTo, after.ReadUpTo), null, null);
                _newest = newest is not null && (_newest is null || newest.Seq >= _newest.Seq) ? newest : _newest;
            }

            _conversation = conversation;
        }

        /// <summary>What the window holds as one move, or <see langword="null"/>; the window is empty afterwards.</summary>
        public MarkMove? TakeHeld()
        {
            if (_conversation is not { } conversation)
            {
                return null;
            }

            var held = new MarkMove(conversation, Key.UserId, _before, _after, _newest);
            (_conversation, _newest) = (null, null);
            return held;
        }
    }
}
