using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Messaging;

/// <summary>
/// A message store in two tiers: a durable store of truth (the commit point) and a hot window of recent messages in
/// front of it (a cache shared by the gateways, for example Redis keeping the newest messages of each conversation in
/// front of Cassandra). Reads take what the hot window covers and the rest from the durable store, transparently.
/// </summary>
/// <remarks>
/// <para>
/// Append: the message is appended to the durable store first; that append is the commit point and its answer is the
/// answer. Only a message the durable store took is then written to the hot window, and a failed hot write is logged
/// and never fails the send: the window is a cache, so everything it holds is also in the durable store (the hot
/// window is a subset of the truth, never the other way round).
/// </para>
/// <para>
/// Reads: a range is read from the hot window first and its answer is used as far as it runs without a gap from the
/// requested bound (the seq right after <c>afterSeq</c>, or right before <c>beforeSeq</c>, or the durable last seq for
/// an open upper bound). Whatever it does not cover (older than the window, a seq whose hot write failed, the window
/// lost to a flush or a restart, or the remainder of a read that reaches the newest message) is read from the durable
/// store, so the result is the durable store's. Messages the durable store returned inside or after the span the hot
/// window answered (a failed hot write) are written back to it: reads repair the window. A failing hot window (the
/// server down) is logged and every read goes to the durable store. <see cref="GetAsync"/> tries the hot window first;
/// the last seq and the start of the history always come from the durable store, since only it can tell a newest
/// message whose hot write failed.
/// </para>
/// <para>
/// Not an <see cref="IAtomicSequencingStore"/>: the commit point is the durable append, so the engine takes the
/// composite path (sequencer, de-duplication claim, append at the seq), whatever fast path the hot window's own store
/// offers. The sequencer in front of it fences against <see cref="GetLastSeqAsync"/>, the durable last seq, so a hot
/// tier that lost its state (a flush) never hands out a stored seq again.
/// </para>
/// </remarks>
public sealed class TieredMessageStore : IMessageStore
{
    private readonly ILogger _logger;

    /// <summary>Creates the tiered store.</summary>
    /// <param name="durable">The store of truth: every append commits here.</param>
    /// <param name="hotWindow">The cache of recent messages in front of it.</param>
    /// <param name="logger">Logs failures of the hot window; none when <see langword="null"/>.</param>
    public TieredMessageStore(IMessageStore durable, IMessageStore hotWindow, ILogger<TieredMessageStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(durable);
        ArgumentNullException.ThrowIfNull(hotWindow);
        if (ReferenceEquals(durable, hotWindow))
        {
            throw new ArgumentException("The hot window must be another store than the durable one.", nameof(hotWindow));
        }

        Durable = durable;
        HotWindow = hotWindow;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The store of truth.</summary>
    public IMessageStore Durable { get; }

    /// <summary>The cache of recent messages.</summary>
    public IMessageStore HotWindow { get; }

    /// <inheritdoc />
    public async ValueTask<AppendResult> AppendAsync(Message message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var result = await Durable.AppendAsync(message, cancellationToken).ConfigureAwait(false);
        if (result.Outcome == AppendOutcome.Appended)
        {
            // Committed: the send must not fail from here on, whatever the cache does (or the caller's token).
            await WriteHotAsync(result.Existing ?? message).ConfigureAwait(false);
        }

        return result;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<Message>> ReadAfterAsync(string conversationId, long afterSeq, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        if (limit == 0)
        {
            return [];
        }

        var hot = await ReadHotAsync(conversationId, static (store, id, bound, count, token) => store.ReadAfterAsync(id, bound, count, token), afterSeq, limit, cancellationToken).ConfigureAwait(false);
        var covered = ContiguousRun(hot, afterSeq + 1, step: 1);
        if (covered == limit)
        {
            return hot;
        }

        var rest = await Durable.ReadAfterAsync(conversationId, afterSeq + covered, limit - covered, cancellationToken).ConfigureAwait(false);
        await RepairAsync(hot, rest, ascending: true).ConfigureAwait(false);
        return Join(hot, covered, rest);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<Message>> ReadBeforeAsync(string conversationId, long beforeSeq, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        if (limit == 0)
        {
            return [];
        }

        var hot = await ReadHotAsync(conversationId, static (store, id, bound, count, token) => store.ReadBeforeAsync(id, bound, count, token), beforeSeq, limit, cancellationToken).ConfigureAwait(false);
        var covered = 0;
        if (hot.Count > 0)
        {
            // The newest seq the answer must start with: the one right below the bound, or the durable last seq when
            // the bound is above it (only the durable store knows a newest message whose hot write failed).
            var top = beforeSeq - 1;
            if (hot[0].Seq != top)
            {
                top = Math.Min(top, await Durable.GetLastSeqAsync(conversationId, cancellationToken).ConfigureAwait(false));
            }

            covered = ContiguousRun(hot, top, step: -1);
        }

        if (covered == limit)
        {
            return hot;
        }

        var below = covered == 0 ? beforeSeq : hot[covered - 1].Seq;
        var rest = await Durable.ReadBeforeAsync(conversationId, below, limit - covered, cancellationToken).ConfigureAwait(false);
        await RepairAsync(hot, rest, ascending: false).ConfigureAwait(false);
        return Join(hot, covered, rest);
    }

    /// <inheritdoc />
    public async ValueTask<Message?> GetAsync(string conversationId, long seq, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        try
        {
            if (await HotWindow.GetAsync(conversationId, seq, cancellationToken).ConfigureAwait(false) is { } cached)
            {
                return cached;
            }
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            _logger.HotWindowReadFailed(conversationId, exception);
        }

        return await Durable.GetAsync(conversationId, seq, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<long> GetLastSeqAsync(string conversationId, CancellationToken cancellationToken = default)
        => Durable.GetLastSeqAsync(conversationId, cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> GetHistoryStartAsync(string conversationId, CancellationToken cancellationToken = default)
        => Durable.GetHistoryStartAsync(conversationId, cancellationToken);

    // How many messages from the start of the answer run without a gap from the expected first seq.
    private static int ContiguousRun(IReadOnlyList<Message> messages, long first, int step)
    {
        var count = 0;
        while (count < messages.Count && messages[count].Seq == first + ((long)count * step))
        {
            count++;
        }

        return count;
    }

    private static IReadOnlyList<Message> Join(IReadOnlyList<Message> hot, int covered, IReadOnlyList<Message> rest)
    {
        if (covered == 0)
        {
            return rest;
        }

        var joined = new List<Message>(covered + rest.Count);
        for (var i = 0; i < covered; i++)
        {
            joined.Add(hot[i]);
        }

        joined.AddRange(rest);
        return joined;
    }

    // The hot window's answer, or nothing when it fails (the durable store then answers alone).
    private async ValueTask<IReadOnlyList<Message>> ReadHotAsync(
        string conversationId,
        Func<IMessageStore, string, long, int, CancellationToken, ValueTask<IReadOnlyList<Message>>> read,
        long bound,
        int limit,
        CancellationToken cancellationToken)
    {
        try
        {
            return await read(HotWindow, conversationId, bound, limit, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            _logger.HotWindowReadFailed(conversationId, exception);
            return [];
        }
    }

    // Writes back what the durable store returned within or beyond the span the hot window answered: those are seqs
    // whose hot write failed. Older messages (below the window, or from before a flush) are left out: the window holds
    // recent messages only.
    private async ValueTask RepairAsync(IReadOnlyList<Message> hot, IReadOnlyList<Message> rest, bool ascending)
    {
        if (hot.Count == 0 || rest.Count == 0)
        {
            return;
        }

        var oldestHot = ascending ? hot[0].Seq : hot[^1].Seq;
        foreach (var message in rest)
        {
            if (message.Seq > oldestHot && !Contains(hot, message.Seq))
            {
                await WriteHotAsync(message).ConfigureAwait(false);
            }
        }
    }

    private static bool Contains(IReadOnlyList<Message> messages, long seq)
    {
        foreach (var message in messages)
        {
            if (message.Seq == seq)
            {
                return true;
            }
        }

        return false;
    }

    private async ValueTask WriteHotAsync(Message message)
    {
        try
        {
            // Insert-if-absent: a seq the window holds already (or removed as too old) is left as it is.
            await HotWindow.AppendAsync(message, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            _logger.HotWindowWriteFailed(message.ConversationId, message.Seq, exception);
        }
    }
}
