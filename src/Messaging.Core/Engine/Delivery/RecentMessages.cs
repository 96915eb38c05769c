namespace Messaging;

/// <summary>
/// The newest committed messages of the conversations this node routed lately, so the reads that only look back a few
/// seqs from the head (the statuses a read mark or an ack causes, the clamp of an ack up to a seq) need no store round
/// trip. Filled by <see cref="EnvelopeRouter"/> with every message envelope it routes: the messages committed on this
/// node and the ones its inbox brings for its connections.
/// </summary>
/// <remarks>
/// <para>
/// A committed message never changes at its seq (appends are insert-if-absent), so a remembered message is the stored
/// one. A read is answered from memory only when every seq it covers is remembered; a seq this node has not seen (still
/// in flight from another node, or never routed here) sends the read to the store, so the answer is always the one
/// the store would give for those seqs.
/// </para>
/// <para>
/// Bounded: <see cref="PerConversation"/> messages for each of at most two generations of
/// <see cref="ConversationsPerGeneration"/> conversations (<see cref="GenerationalMemory{TKey, TValue}"/>).
/// </para>
/// </remarks>
internal sealed class RecentMessages
{
    /// <summary>How many of a conversation's newest messages are kept (a power of two: a window is a ring indexed by mask).</summary>
    public const int PerConversation = 16;

    /// <summary>How many conversations one generation holds.</summary>
    public const int ConversationsPerGeneration = 4096;

    private readonly GenerationalMemory<string, Window> _windows = new(ConversationsPerGeneration);

    /// <summary>Remembers a committed message (or tombstone).</summary>
    /// <param name="message">The stored message.</param>
    public void Remember(Message message)
    {
        if (message.Seq <= 0)
        {
            return;
        }

        if (!_windows.TryGet(message.ConversationId, out var window))
        {
            _windows.Remember(message.ConversationId, new Window());
            if (!_windows.TryGet(message.ConversationId, out window))
            {
                return;
            }
        }

        window.Add(message);
    }

    /// <summary>
    /// Reads the newest <paramref name="limit"/> messages below <paramref name="beforeSeq"/>, newest first, as
    /// <see cref="IMessageStore.ReadBeforeAsync"/> does: from memory when every seq in the range is remembered,
    /// otherwise from the store.
    /// </summary>
    /// <param name="store">The store to read when memory cannot answer.</param>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="beforeSeq">The exclusive upper bound.</param>
    /// <param name="limit">At most this many messages.</param>
    /// <param name="cancellationToken">Cancels the store read.</param>
    /// <returns>The messages, newest first.</returns>
    public ValueTask<IReadOnlyList<Message>> ReadBeforeAsync(IMessageStore store, string conversationId, long beforeSeq, int limit, CancellationToken cancellationToken)
    {
        if (limit > 0 && _windows.TryGet(conversationId, out var window) && window.TryReadBefore(beforeSeq, limit) is { } remembered)
        {
            return ValueTask.FromResult(remembered);
        }

        return store.ReadBeforeAsync(conversationId, beforeSeq, limit, cancellationToken);
    }

    /// <summary>
    /// Reads the <paramref name="limit"/> messages after <paramref name="afterSeq"/>, ascending, as
    /// <see cref="IMessageStore.ReadAfterAsync"/> does: from memory when every seq from <c>afterSeq + 1</c> to
    /// <c>afterSeq + limit</c> is remembered (a connection's gap behind a message that overtook it, usually a seq this
    /// node committed moments ago), otherwise from the store.
    /// </summary>
    /// <param name="store">The store to read when memory cannot answer.</param>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="afterSeq">The exclusive lower bound.</param>
    /// <param name="limit">At most this many messages.</param>
    /// <param name="cancellationToken">Cancels the store read.</param>
    /// <returns>The messages, ascending.</returns>
    public ValueTask<IReadOnlyList<Message>> ReadAfterAsync(IMessageStore store, string conversationId, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        if (limit > 0 && _windows.TryGet(conversationId, out var window) && window.TryReadAfter(afterSeq, limit) is { } remembered)
        {
            return ValueTask.FromResult(remembered);
        }

        return store.ReadAfterAsync(conversationId, afterSeq, limit, cancellationToken);
    }

    /// <summary>
    /// Reads the messages this node remembers right below <paramref name="beforeSeq"/>, newest first: the run of
    /// consecutive seqs from <c>beforeSeq - 1</c> down, at most <paramref name="limit"/>, ending at the first seq not
    /// remembered (empty when <c>beforeSeq - 1</c> is not). A caller looking back for the first message of some kind
    /// stops in the run when it finds one, and reads the store only below the run.
    /// </summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="beforeSeq">The exclusive upper bound.</param>
    /// <param name="limit">At most this many messages.</param>
    /// <returns>The remembered run, newest first.</returns>
    public IReadOnlyList<Message> ReadRememberedBefore(string conversationId, long beforeSeq, int limit)
        => limit > 0 && _windows.TryGet(conversationId, out var window) ? window.ReadRunBefore(beforeSeq, limit) : [];

    // A conversation's newest messages, ascending by seq, in a ring: appending the newest (the usual case) moves no
    // other message, so the array is written once per message whether or not the window is full.
    private sealed class Window
    {
        private const int Mask = PerConversation - 1;

        private readonly Message[] _ring = new Message[PerConversation];
        private readonly Lock _lock = new();

        // The ring index of the oldest kept message, and how many are kept.
        private int _start;
        private int _count;

        public void Add(Message message)
        {
            lock (_lock)
            {
                var seq = message.Seq;
                var at = _count;
                while (at > 0 && At(at - 1).Seq > seq)
                {
                    at--;
                }

                if (at > 0 && At(at - 1).Seq == seq)
                {
                    return;
                }

                if (_count == PerConversation)
                {
                    if (at == 0)
                    {
                        // Older than everything kept.
                        return;
                    }

                    // Drop the oldest to make room.
                    _start = (_start + 1) & Mask;
                    _count--;
                    at--;
                }

                for (var i = _count; i > at; i--)
                {
                    At(i) = At(i - 1);
                }

                At(at) = message;
                _count++;
            }
        }

        // Every seq from afterSeq + 1 to afterSeq + limit must be kept; then those, ascending.
        public IReadOnlyList<Message>? TryReadAfter(long afterSeq, int limit)
        {
            lock (_lock)
            {
                var first = IndexAtOrBelow(afterSeq + 1);
                var last = first + limit - 1;
                if (first < 0 || last >= _count || At(first).Seq != afterSeq + 1 || At(last).Seq != afterSeq + limit)
                {
                    // A seq of the range is not kept (kept seqs are distinct and ascending, so the ends prove the rest).
                    return null;
                }

                var result = new Message[limit];
                for (var i = 0; i < limit; i++)
                {
                    result[i] = At(first + i);
                }

                return result;
            }
        }

        // The kept seqs beforeSeq - 1, beforeSeq - 2, ... while consecutive, at most limit, newest first.
        public IReadOnlyList<Message> ReadRunBefore(long beforeSeq, int limit) => NewestFirst(beforeSeq - 1, limit, exact: false)!;

        // Every seq from beforeSeq - 1 down to beforeSeq - limit (or to seq 1) must be kept; then those, newest first.
        public IReadOnlyList<Message>? TryReadBefore(long beforeSeq, int limit)
        {
            var high = beforeSeq - 1;
            var want = (int)Math.Min(limit, high);
            if (want <= 0)
            {
                return want == 0 && high <= 0 ? [] : null;
            }

            return NewestFirst(high, want, exact: true);
        }

        // The kept seqs high, high - 1, ... while consecutive, at most limit, newest first; exact: all limit of them, or
        // null (nothing copied) when the run is shorter.
        private Message[]? NewestFirst(long high, int limit, bool exact)
        {
            lock (_lock)
            {
                var index = IndexAtOrBelow(high);
                var run = 0;
                while (run < limit && index - run >= 0 && At(index - run).Seq == high - run)
                {
                    run++;
                }

                if (exact && run < limit)
                {
                    return null;
                }

                if (run == 0)
                {
                    return [];
                }

                var result = new Message[run];
                for (var i = 0; i < run; i++)
                {
                    result[i] = At(index - i);
                }

                return result;
            }
        }

        // The index (oldest kept 0) of the newest kept seq at or below seq (-1 when none), found from the end (reads
        // are near the head).
        private int IndexAtOrBelow(long seq)
        {
            var index = _count - 1;
            while (index >= 0 && At(index).Seq > seq)
            {
                index--;
            }

            return index;
        }

        // The kept message at an index counted from the oldest.
        private ref Message At(int index) => ref _ring[(_start + index) & Mask];
    }
}
