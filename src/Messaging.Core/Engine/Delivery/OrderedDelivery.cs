namespace Messaging;

/// <summary>
/// Per-connection, per-conversation ordering (DESIGN §5 Deliver and Catch-up): a message at or below the cursor is a
/// duplicate and dropped; the next seq is written; a message ahead of the cursor waits while the gap is filled from
/// the store (the connection's own send, which is not written to it, waits for the gap to arrive or for the re-read
/// instead). Seqs below the store's history start (<see cref="IMessageStore.GetHistoryStartAsync"/>: removed by a
/// retention or lost) are gone for good and skipped at once, like tombstones. Any other seq missing from the store too
/// (an append still in flight) is re-read after a short delay, and given up after
/// <see cref="EngineLimits.GapGiveUpAfter"/>, so nobody waits forever. Tombstones advance the cursor but are
/// never written. A former member's cursor is capped at the removal's seq (<see cref="ConversationCursor.Limit"/>).
/// Every write is paced by the connection's flow control (see <see cref="IDeliveryWriter"/>). Used only by the
/// connection's delivery worker, one item at a time. Catch-up reads the user's conversations and the device's marks in
/// batches, so connecting costs a bounded number of store round trips besides the reads of messages actually missed.
/// </summary>
internal sealed class OrderedDelivery(EngineContext context, DeliveryReads reads, StatusReader statuses, string userId, string deviceId, IDeliveryWriter writer)
{
    private readonly Dictionary<string, ConversationCursor> _cursors = new(StringComparer.Ordinal);
    private readonly List<Message> _toWrite = [];

    /// <summary>Delivers a live message.</summary>
    /// <param name="message">The message.</param>
    /// <param name="visible"><see langword="false"/> on the connection that sent it: only its cursor advances.</param>
    /// <param name="cancellationToken">Cancels store reads.</param>
    /// <returns>A task that completes when handled.</returns>
    public async ValueTask DeliverAsync(Message message, bool visible, CancellationToken cancellationToken)
    {
        var cursor = (await GetCursorAsync(message.ConversationId, message.Seq - 1, cancellationToken).ConfigureAwait(false))!;
        if (message.Seq <= cursor.Position || message.Seq > cursor.Limit)
        {
            return;
        }

        if (message.Seq == cursor.Position + 1)
        {
            cursor.Accept(message, visible, _toWrite);

            // The gap this message closed needs no re-read (an own message parked behind it scheduled one).
            if (!cursor.HasPending)
            {
                cursor.StopRecheck();
            }

            await FlushAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        // A message the connection sees waits for the gap below it to be read at once. The connection's own send (only
        // its cursor moves) waits for the missing seqs to arrive as they were published (another sender's messages,
        // committed just before it: on their way here, usually within a millisecond), or for the re-read.
        cursor.Park(message, visible);
        if (visible)
        {
            await FillAsync(cursor, message.Seq - 1, live: true, cancellationToken).ConfigureAwait(false);
        }

        AfterFill(cursor);
    }

    /// <summary>
    /// Streams what the store holds after the connection's cursor of one conversation, up to the end for a member and
    /// up to the removal for a former member (after this node's read-path interest or the user's membership changed,
    /// so that what was committed before a subscription went live, or in flight while it ended, is not missed).
    /// </summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels store reads.</param>
    /// <returns>A task that completes when handled.</returns>
    public async ValueTask CatchUpConversationAsync(string conversationId, CancellationToken cancellationToken)
    {
        var conversation = await reads.Conversations.GetAsync(conversationId, cancellationToken).ConfigureAwait(false);
        long? limit = null;
        if (conversation is null)
        {
            return;
        }

        if (!conversation.IsMember(userId))
        {
            var departed = await reads.Conversations.ListDepartedAsync(userId, EngineLimits.MaxConversationsPerUser, cancellationToken).ConfigureAwait(false);
            if (departed.FirstOrDefault(a => string.Equals(a.Conversation.Id, conversationId, StringComparison.Ordinal)) is not { LeftAtSeq: { } leftAt })
            {
                return;
            }

            limit = leftAt;
        }

        await RefillAsync(conversationId, limit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The same refill as <see cref="CatchUpConversationAsync"/> for every conversation of the user (current ones to the
    /// store's end, departed ones to the removal), after the backplane reported that envelopes may have been lost.
    /// </summary>
    /// <param name="cancellationToken">Cancels store reads.</param>
    /// <returns>A task that completes when handled.</returns>
    public async ValueTask RefillAllAsync(CancellationToken cancellationToken)
    {
        var current = await reads.Index.ListForUserAsync(userId, EngineLimits.MaxConversationsPerUser, cancellationToken).ConfigureAwait(false);
        var departed = await reads.Conversations.ListDepartedAsync(userId, EngineLimits.MaxConversationsPerUser, cancellationToken).ConfigureAwait(false);
        var targets = current.Where(a => a.Conversation.IsMember(userId)).Select(a => (a.Conversation.Id, Limit: (long?)null))
            .Concat(departed.Where(a => a.LeftAtSeq is not null && !a.Conversation.IsMember(userId)).Select(a => (a.Conversation.Id, Limit: a.LeftAtSeq)));
        var done = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (conversationId, limit) in targets)
        {
            if (done.Add(conversationId) && !await RefillAsync(conversationId, limit, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>Re-reads the store for a conversation whose messages wait on a missing seq.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels store reads.</param>
    /// <returns>A task that completes when handled.</returns>
    public async ValueTask RecheckAsync(string conversationId, CancellationToken cancellationToken)
    {
        if (!_cursors.TryGetValue(conversationId, out var cursor))
        {
            return;
        }

        cursor.StopRecheck();
        if (!cursor.HasPending)
        {
            return;
        }

        await FillAsync(cursor, cursor.HighestPending - 1, live: true, cancellationToken).ConfigureAwait(false);
        if (cursor.HasPending && context.Now - cursor.WaitingSince >= EngineLimits.GapGiveUpAfter)
        {
            context.Logger.GapSkipped(userId, deviceId, conversationId, cursor.Position + 1, cursor.LowestPending - 1);
            cursor.SkipToPending(_toWrite);
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        AfterFill(cursor);
    }

    /// <summary>
    /// Streams every missing message of each of the user's conversations, from the given cursors or the device's
    /// stored delivered marks, in seq order and in batches; a conversation the user left only up to the removal. After
    /// each current conversation's messages come the current statuses of the user's own messages there.
    /// </summary>
    /// <param name="cursors">Seqs the client already has, per conversation; others start at the device's delivered mark.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The cursor of every conversation of the user after catch-up.</returns>
    public async ValueTask<IReadOnlyDictionary<string, long>> CatchUpAsync(IReadOnlyDictionary<string, long>? cursors, CancellationToken cancellationToken)
    {
        var current = await reads.Index.ListForUserAsync(userId, EngineLimits.MaxConversationsPerUser, cancellationToken).ConfigureAwait(false);
        var departed = await reads.Conversations.ListDepartedAsync(userId, EngineLimits.MaxConversationsPerUser, cancellationToken).ConfigureAwait(false);
        var targets = new List<ConversationActivity>(current.Count + departed.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var activity in current.Where(a => a.Conversation.IsMember(userId)).Concat(departed.Where(a => a.LeftAtSeq is not null && !a.Conversation.IsMember(userId))))
        {
            if (seen.Add(activity.Conversation.Id))
            {
                targets.Add(activity);
            }
        }

        // Two batch reads for every conversation at once: the device's delivered marks (where the client sent no
        // cursor) and the user's newest own message (the read mark sending keeps on the sender pseudo-device), which
        // spares the status reads of every conversation the user never sent to.
        var unmarked = cursors is null ? targets : targets.Where(a => !cursors.ContainsKey(a.Conversation.Id)).ToList();
        var stored = await ReadMarksAsync(deviceId, unmarked, cancellationToken).ConfigureAwait(false);
        var sent = await ReadMarksAsync(ReservedDeviceIds.Sender, targets.Where(a => a.LeftAtSeq is null && a.LastSeq > 0).ToList(), cancellationToken).ConfigureAwait(false);

        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var activity in targets)
        {
            var id = activity.Conversation.Id;
            var cursor = Start(activity, cursors, stored);
            if (Math.Max(activity.LastSeq, cursor.Limit ?? 0) > cursor.Position)
            {
                // Read to the end of the store, not only to the index's last seq, which may lag a fresh append.
                if (!await FillAsync(cursor, long.MaxValue, live: false, cancellationToken).ConfigureAwait(false))
                {
                    return result;
                }

                AfterFill(cursor);
            }

            result[id] = cursor.Position;
            if (sent.TryGetValue(id, out var own) && own.ReadUpTo > 0 && !await WriteStatusesAsync(activity.Conversation, own.ReadUpTo, cancellationToken).ConfigureAwait(false))
            {
                return result;
            }
        }

        return result;
    }

    /// <summary>Cancels every scheduled re-read.</summary>
    public void StopRechecks()
    {
        foreach (var cursor in _cursors.Values)
        {
            cursor.StopRecheck();
        }
    }

    // One device's marks in the given conversations, in one batch, by conversation id.
    private async ValueTask<Dictionary<string, Watermark>> ReadMarksAsync(string device, List<ConversationActivity> conversations, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, Watermark>(conversations.Count, StringComparer.Ordinal);
        if (conversations.Count == 0)
        {
            return result;
        }

        var ids = conversations.ConvertAll(a => a.Conversation.Id);
        var marks = await reads.Receipts.GetDeviceManyAsync(userId, device, ids, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < ids.Count; i++)
        {
            result[ids[i]] = marks[i];
        }

        return result;
    }

    // Positions the cursor of one conversation for catch-up: the client's cursor, else the device's delivered mark,
    // never after what this connection was sent, never beyond the last seq; capped at the removal for a former member.
    private ConversationCursor Start(ConversationActivity activity, IReadOnlyDictionary<string, long>? cursors, Dictionary<string, Watermark> stored)
    {
        var id = activity.Conversation.Id;
        _cursors.TryGetValue(id, out var cursor);
        long start;
        if (cursors is not null && cursors.TryGetValue(id, out var given))
        {
            start = given;
        }
        else
        {
            start = stored.GetValueOrDefault(id).DeliveredUpTo;
            if (cursor is not null)
            {
                start = Math.Min(start, cursor.Position);
            }
        }

        // A cursor beyond the last seq (a client ahead of a store that lost data) would hide new messages.
        start = Math.Clamp(start, 0, Math.Max(Math.Max(activity.LastSeq, activity.LeftAtSeq ?? 0), 0));
        if (cursor is null)
        {
            _cursors.Add(id, cursor = new ConversationCursor(id, start));
        }
        else
        {
            cursor.Reset(start);
        }

        cursor.Limit = activity.LeftAtSeq;
        return cursor;
    }

    // The statuses of the user's own messages a client that was offline missed (they are watermarks: the newest wins).
    private async ValueTask<bool> WriteStatusesAsync(Conversation conversation, long lastSent, CancellationToken cancellationToken)
    {
        IReadOnlyList<StatusEvent> current;
        try
        {
            current = await statuses.CurrentAsync(conversation, userId, lastSent, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            context.Logger.DeliveryStoreFailed(userId, deviceId, conversation.Id, exception);
            return true;
        }

        foreach (var status in current)
        {
            if (!await writer.WriteAsync(status, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    // The cursor of a conversation; a conversation this connection has not seen yet (joined after connecting) starts
    // where the device is. Without a stored mark, a live message starts at itself (fallback) and a catch-up not at all.
    private async ValueTask<ConversationCursor?> GetCursorAsync(string conversationId, long? fallbackPosition, CancellationToken cancellationToken)
    {
        if (_cursors.TryGetValue(conversationId, out var cursor))
        {
            return cursor;
        }

        long position;
        try
        {
            position = (await reads.Receipts.GetDeviceAsync(conversationId, userId, deviceId, cancellationToken).ConfigureAwait(false)).DeliveredUpTo;
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            context.Logger.DeliveryStoreFailed(userId, deviceId, conversationId, exception);
            if (fallbackPosition is not { } fallback)
            {
                return null;
            }

            position = fallback;
        }

        cursor = new ConversationCursor(conversationId, fallbackPosition is { } limit ? Math.Min(position, limit) : position);
        _cursors.Add(conversationId, cursor);
        return cursor;
    }

    // Fills one conversation from the connection's cursor to the store's end (or the removal, the limit); false when
    // the connection was aborted meanwhile.
    private async ValueTask<bool> RefillAsync(string conversationId, long? limit, CancellationToken cancellationToken)
    {
        var cursor = await GetCursorAsync(conversationId, fallbackPosition: null, cancellationToken).ConfigureAwait(false);
        if (cursor is null)
        {
            return true;
        }

        cursor.Limit = limit;
        if (!await FillAsync(cursor, long.MaxValue, live: false, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        AfterFill(cursor);
        return true;
    }

    // Reads the store after the cursor up to upTo (inclusive, never past the cursor's limit), accepting contiguous
    // messages and writing them; moves past seqs below the store's history start (removed for good) without waiting;
    // stops at any other hole. False when the connection was aborted meanwhile. live: the gap behind a live message,
    // read from what this node remembers when it holds every seq of it (usually seqs committed here moments ago that
    // the message overtook); a catch-up always reads the store, whose history start a retention may have moved past
    // messages still remembered.
    private async ValueTask<bool> FillAsync(ConversationCursor cursor, long upTo, bool live, CancellationToken cancellationToken)
    {
        upTo = Math.Min(upTo, cursor.Limit ?? long.MaxValue);
        var batchSize = context.Options.CatchUpBatchSize;
        while (cursor.Position < upTo)
        {
            var want = (int)Math.Min(batchSize, upTo - cursor.Position);
            IReadOnlyList<Message> batch;
            try
            {
                batch = live
                    ? await reads.Recent.ReadAfterAsync(reads.Messages, cursor.ConversationId, cursor.Position, want, cancellationToken).ConfigureAwait(false)
                    : await reads.Messages.ReadAfterAsync(cursor.ConversationId, cursor.Position, want, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                // Waiting messages stay parked and the re-read retries later.
                context.Logger.DeliveryStoreFailed(userId, deviceId, cursor.ConversationId, exception);
                return true;
            }

            var start = cursor.Position;
            var hole = false;
            foreach (var message in batch)
            {
                if (message.Seq <= cursor.Position)
                {
                    continue;
                }

                if (hole || message.Seq > cursor.Position + 1)
                {
                    // A seq below this one is missing from the store (in flight, or lost): wait for it.
                    hole = true;
                    if (message.Seq > upTo)
                    {
                        break;
                    }

                    cursor.Park(message, write: true);
                    continue;
                }

                cursor.Accept(message, write: true, _toWrite);
            }

            // A hole, or a waiting message the store no longer returns: the missing seqs may be gone for good.
            var skipped = (hole || (batch.Count == 0 && cursor.HasPending)) && await SkipRemovedAsync(cursor, upTo, cancellationToken).ConfigureAwait(false);
            if (!await FlushAsync(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            if (!skipped && (hole || cursor.Position == start || batch.Count < want))
            {
                return true;
            }
        }

        return true;
    }

    // Moves the cursor past seqs below the store's history start (removed by retention or lost), like tombstones,
    // releasing waiting messages that thereby became contiguous; true when it moved.
    private async ValueTask<bool> SkipRemovedAsync(ConversationCursor cursor, long upTo, CancellationToken cancellationToken)
    {
        long historyStart;
        try
        {
            historyStart = await reads.Messages.GetHistoryStartAsync(cursor.ConversationId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            // As with a failed read: waiting messages stay parked and the re-read retries later.
            context.Logger.DeliveryStoreFailed(userId, deviceId, cursor.ConversationId, exception);
            return false;
        }

        var removedUpTo = Math.Min(historyStart - 1, upTo);
        if (removedUpTo <= cursor.Position)
        {
            return false;
        }

        context.Logger.HistorySkipped(userId, deviceId, cursor.ConversationId, cursor.Position + 1, historyStart);
        cursor.SkipRemoved(removedUpTo, _toWrite);
        return true;
    }

    private void AfterFill(ConversationCursor cursor)
    {
        if (!cursor.HasPending)
        {
            cursor.StopRecheck();
            return;
        }

        cursor.WaitingSince ??= context.Now;
        if (cursor.RecheckTimer is null)
        {
            cursor.RecheckTimer = context.Time.CreateTimer(RecheckDue, (writer, cursor.ConversationId), EngineLimits.GapRecheckDelay, Timeout.InfiniteTimeSpan);
        }
    }

    // The gap-recheck timer: the re-read runs on the connection's pipeline, in line with everything else it delivers.
    private static void RecheckDue(object? state)
    {
        var (pipeline, conversationId) = ((IDeliveryWriter, string))state!;
        pipeline.EnqueueRecheck(conversationId);
    }

    // Writes what the cursors released, in order; false when the connection was aborted meanwhile.
    private async ValueTask<bool> FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var message in _toWrite)
            {
                if (!await writer.WriteAsync(new MessageEvent(message), cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }
            }

            return true;
        }
        finally
        {
            _toWrite.Clear();
        }
    }
}
