using Messaging.Protocol;

namespace Messaging.Client.Delivery;

/// <summary>What <see cref="OrderingBuffer.Offer"/> did with a message.</summary>
internal enum OfferOutcome
{
    /// <summary>The message was next in line: it and every held message it unblocked were released.</summary>
    Released,

    /// <summary>The message is ahead of a gap and is held until the gap is filled.</summary>
    Held,

    /// <summary>The message was already released or is already held.</summary>
    Duplicate,

    /// <summary>
    /// The client's own message in a conversation whose position is not known yet: remembered, and placed when the
    /// first message from the server fixes the conversation's cursor.
    /// </summary>
    Pending,
}

/// <summary>A run of missing seqs in one conversation: <c>(Cursor, UpTo]</c> are not yet received.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="Cursor">The highest contiguous seq released.</param>
/// <param name="UpTo">The highest missing seq (the lowest held seq minus one, or the server's high-water mark).</param>
internal readonly record struct SequenceGap(string ConversationId, long Cursor, long UpTo);

/// <summary>
/// Releases incoming messages exactly once and in seq order per conversation. A message whose seq is not the next
/// one is held until the missing seqs arrive (from the socket, a <c>sync</c> or REST history); a message at or below
/// the cursor, or already held, is a duplicate. Seqs are gap-free per conversation and a message id belongs to exactly
/// one (conversation, seq), so de-duplicating by seq de-duplicates by message id.
/// </summary>
/// <remarks>
/// Not thread-safe: the owner serialises calls. A conversation seen for the first time without a known cursor takes
/// the first message's seq minus one as its cursor: the server sends each connection a conversation's messages in
/// order starting after the device's delivered mark, so the first message seen is the first one missing. The client's
/// own messages (known from their <c>sent</c> status) do not fix a cursor: their status may overtake an earlier
/// message of someone else on its way to this connection.
/// </remarks>
internal sealed class OrderingBuffer
{
    private readonly Dictionary<string, ConversationState> _conversations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedSet<long>> _pendingOwn = new(StringComparer.Ordinal);

    /// <summary>Creates a buffer, optionally resuming from cursors the application persisted.</summary>
    /// <param name="initialCursors">The highest contiguous seq already processed per conversation.</param>
    public OrderingBuffer(IReadOnlyDictionary<string, long>? initialCursors = null)
    {
        if (initialCursors is null)
        {
            return;
        }

        foreach (var (conversationId, cursor) in initialCursors)
        {
            _conversations[conversationId] = new ConversationState(Math.Max(0, cursor));
        }
    }

    /// <summary>The number of messages currently held behind gaps.</summary>
    public int HeldCount { get; private set; }

    /// <summary>Offers a message; appends whatever became releasable, in order, to <paramref name="released"/>.</summary>
    /// <param name="message">The incoming message.</param>
    /// <param name="released">Receives the released messages.</param>
    /// <returns>What happened to the message.</returns>
    public OfferOutcome Offer(MessageData message, List<MessageData> released) =>
        Accept(message.ConversationId, message.Seq, message, released);

    /// <summary>
    /// Records a message this client sent itself (from its <c>sent</c> status): it takes its place in the sequence, so
    /// it is not mistaken for a gap, but it is never released, since the application already has it.
    /// </summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="seq">The sent message's seq.</param>
    /// <param name="released">Receives held messages it unblocked.</param>
    /// <returns>What happened to the seq.</returns>
    public OfferOutcome OfferOwn(string conversationId, long seq, List<MessageData> released) =>
        Accept(conversationId, seq, message: null, released);

    /// <summary>
    /// Moves the cursor to <paramref name="seq"/> because the seqs up to it that were never received do not exist (the
    /// server's history skips them: tombstones). Held messages at or below it are released first, in order.
    /// </summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="seq">The new cursor.</param>
    /// <param name="released">Receives the released messages.</param>
    public void SkipTo(string conversationId, long seq, List<MessageData> released)
    {
        if (!_conversations.TryGetValue(conversationId, out var state) || seq <= state.Cursor)
        {
            return;
        }

        while (state.Held.Count > 0 && state.Held.Keys[0] <= seq)
        {
            ReleaseLowest(state, released);
        }

        state.Cursor = Math.Max(state.Cursor, seq);
        ReleaseContiguous(state, released);
    }

    /// <summary>
    /// Records that the server has messages up to <paramref name="seq"/> (from <c>sync_complete</c>). For an unknown
    /// conversation this sets the cursor (nothing was missed on this connection); for a known one it may reveal a gap.
    /// </summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="seq">The highest seq the server sent.</param>
    public void ObserveHighWater(string conversationId, long seq)
    {
        if (!_conversations.TryGetValue(conversationId, out var state))
        {
            CreateState(conversationId, seq);
            return;
        }

        state.HighWater = Math.Max(state.HighWater, seq);
    }

    /// <summary>The gap of a conversation, if it has one.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <returns>The missing range, or <see langword="null"/> when nothing is missing.</returns>
    public SequenceGap? FindGap(string conversationId)
    {
        if (!_conversations.TryGetValue(conversationId, out var state))
        {
            return null;
        }

        var upTo = state.Held.Count > 0 ? state.Held.Keys[0] - 1 : state.HighWater;
        return upTo > state.Cursor ? new SequenceGap(conversationId, state.Cursor, upTo) : null;
    }

    /// <summary>The highest contiguous seq released in a conversation, or <see langword="null"/> if it is unknown.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <returns>The cursor.</returns>
    public long? GetCursor(string conversationId) =>
        _conversations.TryGetValue(conversationId, out var state) ? state.Cursor : null;

    /// <summary>A copy of every known conversation's cursor, for a <c>sync</c> frame or for persisting.</summary>
    /// <returns>The cursors.</returns>
    public Dictionary<string, long> SnapshotCursors()
    {
        var cursors = new Dictionary<string, long>(_conversations.Count, StringComparer.Ordinal);
        foreach (var (conversationId, state) in _conversations)
        {
            cursors[conversationId] = state.Cursor;
        }

        return cursors;
    }

    // A null message is the client's own: it fills its seq but is not released.
    private OfferOutcome Accept(string conversationId, long seq, MessageData? message, List<MessageData> released)
    {
        if (!_conversations.TryGetValue(conversationId, out var state))
        {
            if (message is null)
            {
                if (!_pendingOwn.TryGetValue(conversationId, out var own))
                {
                    _pendingOwn[conversationId] = own = [];
                }

                own.Add(seq);
                return OfferOutcome.Pending;
            }

            state = CreateState(conversationId, seq - 1);
        }

        if (seq <= state.Cursor || state.Held.ContainsKey(seq))
        {
            return OfferOutcome.Duplicate;
        }

        if (seq != state.Cursor + 1)
        {
            state.Held.Add(seq, message);
            HeldCount++;
            return OfferOutcome.Held;
        }

        if (message is not null)
        {
            released.Add(message);
        }

        state.Cursor = seq;
        ReleaseContiguous(state, released);
        return OfferOutcome.Released;
    }

    // Starts tracking a conversation at a cursor, placing the client's own messages seen before it was known. Those
    // right after the cursor move it at once (they carry no message, so nothing is released): one left held would make
    // that own message, coming back from the server, a duplicate of it, and hold everything after it for good.
    private ConversationState CreateState(string conversationId, long cursor)
    {
        var state = new ConversationState(Math.Max(0, cursor));
        _conversations[conversationId] = state;
        if (_pendingOwn.Remove(conversationId, out var own))
        {
            foreach (var seq in own.Where(s => s > state.Cursor))
            {
                state.Held.Add(seq, null);
                HeldCount++;
            }

            ReleaseContiguous(state, []);
        }

        return state;
    }

    private void ReleaseContiguous(ConversationState state, List<MessageData> released)
    {
        while (state.Held.Count > 0 && state.Held.Keys[0] == state.Cursor + 1)
        {
            ReleaseLowest(state, released);
        }
    }

    private void ReleaseLowest(ConversationState state, List<MessageData> released)
    {
        if (state.Held.Values[0] is { } message)
        {
            released.Add(message);
        }

        state.Cursor = state.Held.Keys[0];
        state.Held.RemoveAt(0);
        HeldCount--;
    }

    private sealed class ConversationState(long cursor)
    {
        public long Cursor { get; set; } = cursor;

        public long HighWater { get; set; } = cursor;

        public SortedList<long, MessageData?> Held { get; } = [];
    }
}
