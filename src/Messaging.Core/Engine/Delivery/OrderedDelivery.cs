namespace Messaging;

/// <summary>
/// Per-connection, per-conversation ordering (DESIGN §5 Deliver and Catch-up): a message at or below the cursor is a
/// duplicate and dropped; the next seq is written; a message ahead of the cursor waits while the gap is filled from
/// the store. A seq missing from the store too (an append still in flight) is re-read after a short delay, and given
/// up after <see cref="EngineLimits.GapGiveUpAfter"/>, so nobody waits forever. Tombstones advance the cursor but are
/// never written. Used only by the connection's delivery worker, one item at a time.
/// </summary>
internal sealed class OrderedDelivery(EngineContext context, string userId, string deviceId, Func<Message, bool> write, Action<string> requestRecheck)
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
        if (message.Seq <= cursor.Position)
        {
            return;
        }

        if (message.Seq == cursor.Position + 1)
        {
            cursor.Accept(message, visible, _toWrite);
            Flush();
            return;
        }

        cursor.Park(message, visible);
        await FillAsync(cursor, message.Seq - 1, cancellationToken).ConfigureAwait(false);
        AfterFill(cursor);
    }

    /// <summary>
    /// Streams what the store holds after the connection's cursor of one conversation (after this node started to
    /// receive a conversation's channel, so that what was committed before the subscription went live is not missed).
    /// </summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels store reads.</param>
    /// <returns>A task that completes when handled.</returns>
    public async ValueTask CatchUpConversationAsync(string conversationId, CancellationToken cancellationToken)
    {
        var cursor = await GetCursorAsync(conversationId, fallbackPosition: null, cancellationToken).ConfigureAwait(false);
        if (cursor is not null)
        {
            await FillAsync(cursor, long.MaxValue, cancellationToken).ConfigureAwait(false);
            AfterFill(cursor);
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

        await FillAsync(cursor, cursor.HighestPending - 1, cancellationToken).ConfigureAwait(false);
        if (cursor.HasPending && context.Now - cursor.WaitingSince >= EngineLimits.GapGiveUpAfter)
        {
            context.Logger.GapSkipped(userId, deviceId, conversationId, cursor.Position + 1, cursor.LowestPending - 1);
            cursor.SkipToPending(_toWrite);
            Flush();
        }

        AfterFill(cursor);
    }

    /// <summary>
    /// Streams every missing message of each of the user's conversations, from the given cursors or the device's
    /// stored delivered marks, in seq order and in batches.
    /// </summary>
    /// <param name="cursors">Seqs the client already has, per conversation; others start at the device's delivered mark.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The cursor of every conversation of the user after catch-up.</returns>
    public async ValueTask<IReadOnlyDictionary<string, long>> CatchUpAsync(IReadOnlyDictionary<string, long>? cursors, CancellationToken cancellationToken)
    {
        var conversations = await context.Conversations.ListForUserAsync(userId, EngineLimits.MaxConversationsPerUser, cancellationToken).ConfigureAwait(false);
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var activity in conversations)
        {
            var id = activity.Conversation.Id;
            if (!activity.Conversation.IsMember(userId))
            {
                continue;
            }

            long start;
            if (cursors is not null && cursors.TryGetValue(id, out var given))
            {
                start = given;
            }
            else
            {
                // The stored mark may be ahead of what this connection was sent (sending on this device advances it
                // while an earlier message may still be in flight), so never start after this connection's cursor.
                start = (await context.Receipts.GetDeviceAsync(id, userId, deviceId, cancellationToken).ConfigureAwait(false)).DeliveredUpTo;
                if (_cursors.TryGetValue(id, out var current))
                {
                    start = Math.Min(start, current.Position);
                }
            }

            // A cursor beyond the last seq (a client ahead of a store that lost data) would hide new messages.
            start = Math.Clamp(start, 0, Math.Max(activity.LastSeq, 0));
            if (_cursors.TryGetValue(id, out var cursor))
            {
                cursor.Reset(start);
            }
            else
            {
                _cursors.Add(id, cursor = new ConversationCursor(id, start));
            }

            if (activity.LastSeq > cursor.Position)
            {
                // Read to the end of the store, not only to the index's last seq, which may lag a fresh append.
                await FillAsync(cursor, long.MaxValue, cancellationToken).ConfigureAwait(false);
                AfterFill(cursor);
            }

            result[id] = cursor.Position;
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
            position = (await context.Receipts.GetDeviceAsync(conversationId, userId, deviceId, cancellationToken).ConfigureAwait(false)).DeliveredUpTo;
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

    // Reads the store after the cursor up to upTo (inclusive), accepting contiguous messages; stops at a hole.
    private async ValueTask FillAsync(ConversationCursor cursor, long upTo, CancellationToken cancellationToken)
    {
        var batchSize = context.Options.CatchUpBatchSize;
        while (cursor.Position < upTo)
        {
            var want = (int)Math.Min(batchSize, upTo - cursor.Position);
            IReadOnlyList<Message> batch;
            try
            {
                batch = await context.Messages.ReadAfterAsync(cursor.ConversationId, cursor.Position, want, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                // Waiting messages stay parked and the re-read retries later.
                context.Logger.DeliveryStoreFailed(userId, deviceId, cursor.ConversationId, exception);
                return;
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

            if (!Flush() || hole || cursor.Position == start || batch.Count < want)
            {
                return;
            }
        }
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
            var conversationId = cursor.ConversationId;
            cursor.RecheckTimer = context.Time.CreateTimer(static state => ((Action)state!)(), (Action)(() => requestRecheck(conversationId)), EngineLimits.GapRecheckDelay, Timeout.InfiniteTimeSpan);
        }
    }

    // Writes what the cursors released; false when the connection was aborted meanwhile.
    private bool Flush()
    {
        try
        {
            foreach (var message in _toWrite)
            {
                if (!write(message))
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
