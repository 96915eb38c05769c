namespace Messaging;

/// <summary>The outcome of committing a draft message.</summary>
/// <param name="Message">The stored message (the original one for a duplicate), or <see langword="null"/> when the send failed.</param>
/// <param name="Duplicate">The client message id had been used: nothing new was stored.</param>
/// <param name="Tombstone">A tombstone written at a seq this send took (or settled) but could not use; readers must be told.</param>
/// <param name="Failure">Why the send failed, when <paramref name="Message"/> is <see langword="null"/>; a <see cref="MessagingException"/> is the answer as it stands.</param>
/// <param name="SenderMarksBefore">
/// Set when the store made the <see cref="CommitBookkeeping"/> writes in its atomic step: the sender's marks before
/// their read mark moved (the engine then writes neither the mark nor the conversation's activity).
/// </param>
internal readonly record struct CommitResult(Message? Message, bool Duplicate, Message? Tombstone, Exception? Failure, Watermark? SenderMarksBefore = null);

/// <summary>
/// The commit point of a send (DESIGN §5 Send, steps 2-3). With an <see cref="IAtomicSequencingStore"/> it is one call.
/// Otherwise (the composite path of a store of truth): look the client message id up in
/// <see cref="IDeduplicationStore"/>, take a seq from the fenced <see cref="ISequencer"/>, claim the id for that seq,
/// then append at the seq (and record the message id beside it). Once a seq is taken the append is finished whatever
/// happens (no cancellation): retried with the same seq, and when it can never be written, filled with a tombstone
/// (so no reader waits on a hole) and the claim given back (so a repeat of the send is a new message).
/// </summary>
/// <remarks>
/// A repeat that finds a claim reads the claimed seq: the original message there is the answer; a tombstone or
/// another message there means the original failed for good, so the claim is released and the repeat sent anew;
/// nothing there means the original is still being written or its writer stopped: the repeat settles the seq with a
/// tombstone (insert-if-absent, so an original that lands first wins and is the answer) and is answered
/// <c>internal</c> ("send it again"); the next repeat is then a new message. A send that loses the claim to a
/// concurrent one fills its own seq with a tombstone and answers with the winner, or, while the winner is still being
/// written, with <c>internal</c> ("send it again"): its repeat finds the winner.
/// </remarks>
/// <param name="context">The node's context.</param>
/// <param name="messages">The message store.</param>
/// <param name="atomic">The message store when its atomic step stands in for the registered de-duplication store and id index, else <see langword="null"/>.</param>
/// <param name="bookkeeping">The message store when it keeps the books of the registered receipt store and index, else <see langword="null"/>.</param>
/// <param name="sequencer">The sequencer of the composite path.</param>
/// <param name="deduplication">The de-duplication claims of the composite path.</param>
/// <param name="messageIds">The message id index of the composite path.</param>
/// <param name="ids">Makes the ids of tombstones.</param>
/// <param name="fence">Fences the sequencer.</param>
internal sealed class MessageCommitter(EngineContext context, IMessageStore messages, IAtomicSequencingStore? atomic, IAtomicBookkeepingStore? bookkeeping, ISequencer sequencer, IDeduplicationStore deduplication, IMessageIdIndex messageIds, IMessageIdGenerator ids, SequenceFence fence)
{
    private const string SendAgain = "The earlier send of this client_msg_id did not complete; send it again.";

    private enum AppendKind
    {
        Committed,
        SeqTaken,
        Failed,
    }

    /// <summary>Commits a draft (its seq is ignored).</summary>
    /// <param name="draft">The message to store.</param>
    /// <param name="sendingUserId">
    /// The user whose send this is (<see langword="null"/> for a system message): a bookkeeping store makes the writes
    /// that follow a user's send (<see cref="CommitBookkeeping"/>) in its atomic step.
    /// </param>
    /// <param name="turn">The send's turn, settled once its seq is decided (<see cref="CommitTurns"/>).</param>
    /// <param name="cancellationToken">Cancels the steps before a seq is taken.</param>
    /// <returns>What happened.</returns>
    public ValueTask<CommitResult> CommitAsync(Message draft, string? sendingUserId, CommitTurn turn, CancellationToken cancellationToken)
    {
        if (atomic is not null)
        {
            // The atomic step de-duplicates itself (and answers with the original): no separate look-up first. The
            // books are described only for a store that keeps them (every other send would allocate them for nothing).
            // Not awaited here: a send that waits on the store then holds one state machine, not two.
            var books = sendingUserId is not null && bookkeeping is not null ? new CommitBookkeeping(sendingUserId, context.Now) : null;
            var committing = CommitAtomicallyAsync(atomic, draft, books, cancellationToken);

            // Issued: the store sequences it before whatever the sender's later sends issue.
            turn.Settle();
            return committing;
        }

        return CommitSequencedAsync(draft, turn, cancellationToken);
    }

    // Sequences with the sequencer, claims the client message id, then appends at the seq taken.
    private async ValueTask<CommitResult> CommitSequencedAsync(Message draft, CommitTurn turn, CancellationToken cancellationToken)
    {
        // System messages carry a client message id made from their fresh message id: nothing to de-duplicate.
        var key = draft.Kind == MessageKind.System ? (DeduplicationKey?)null : new DeduplicationKey(draft.ConversationId, draft.SenderId, draft.ClientMsgId);
        for (var round = 0; ; round++)
        {
            // A repeat must not take a seq: look it up before sequencing.
            if (key is { } lookup && await deduplication.FindAsync(lookup, cancellationToken).ConfigureAwait(false) is { } claimedSeq
                && await ResolveClaimAsync(lookup, claimedSeq, draft, settleEmpty: true).ConfigureAwait(false) is { } answer)
            {
                return answer;
            }

            await fence.EnsureFencedAsync(draft.ConversationId, cancellationToken).ConfigureAwait(false);
            var seq = await sequencer.NextAsync(draft.ConversationId, cancellationToken).ConfigureAwait(false);
            turn.Settle();
            var message = draft with { Seq = seq };
            if (key is { } claimKey && await ClaimTakenSeqAsync(claimKey, message).ConfigureAwait(false) is { } lost)
            {
                return lost;
            }

            var indexed = RecordIdAsync(message);
            var (kind, stored, holder, failure) = await AppendTakenSeqAsync(message).ConfigureAwait(false);
            await indexed.ConfigureAwait(false);
            switch (kind)
            {
                case AppendKind.Committed:
                    return new CommitResult(stored, Duplicate: false, null, null);

                case AppendKind.SeqTaken when holder is { Kind: MessageKind.Tombstone } settled && IsSameSend(settled, message):
                    // A repeat of this send found the seq empty and settled it: this attempt is over (its claim is gone).
                    await ReleaseAsync(key, seq).ConfigureAwait(false);
                    return new CommitResult(null, false, null, SendAgainFailure());

                case AppendKind.SeqTaken when round < EngineLimits.SeqTakenRetries:
                    // The sequencer is behind the store (it lost state): the seq is occupied, so there is no hole to fill.
                    await ReleaseAsync(key, seq).ConfigureAwait(false);
                    var last = await fence.FenceAsync(draft.ConversationId, CancellationToken.None).ConfigureAwait(false);
                    context.Logger.SequencerFenced(draft.ConversationId, seq, last);
                    continue;

                case AppendKind.SeqTaken:
                    await ReleaseAsync(key, seq).ConfigureAwait(false);
                    return new CommitResult(null, false, null, new InvalidOperationException($"Seq {seq} was taken {round + 1} times in a row."));

                default:
                    var result = await FailWithTombstoneAsync(message, failure!).ConfigureAwait(false);
                    if (result.Message is null)
                    {
                        await ReleaseAsync(key, seq).ConfigureAwait(false);
                    }

                    return result;
            }
        }
    }

    private async ValueTask<CommitResult> CommitAtomicallyAsync(IAtomicSequencingStore step, Message draft, CommitBookkeeping? books, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        for (var attempt = 0; attempt < EngineLimits.AppendAttempts; attempt++)
        {
            try
            {
                // A retry may find the first attempt committed after all: then the "duplicate" is this very draft
                // (and its bookkeeping was done with it).
                var window = context.Options.DeduplicationWindow;
                var token = attempt == 0 ? cancellationToken : CancellationToken.None;
                Watermark? marksBefore = null;
                AppendResult result;
                if (books is not null && bookkeeping is not null)
                {
                    var kept = await bookkeeping.SequenceAndAppendKeepingBooksAsync(draft, window, books, token).ConfigureAwait(false);
                    (result, marksBefore) = (kept.Result, kept.SenderMarksBefore);
                }
                else
                {
                    result = await step.SequenceAndAppendAsync(draft, window, token).ConfigureAwait(false);
                }

                switch (result.Outcome)
                {
                    case AppendOutcome.Appended when result.Existing is { } stored:
                        return new CommitResult(stored, Duplicate: false, null, null, marksBefore);
                    case AppendOutcome.DuplicateClientMessage when result.Existing is { } original:
                        return new CommitResult(original, Duplicate: !IsSame(original, draft), null, null);
                    default:
                        failure = new InvalidOperationException($"The atomic store answered {result.Outcome} without a message.");
                        break;
                }
            }
            catch (OperationCanceledException) when (attempt == 0 && cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception exception)
            {
                failure = exception;
                context.Logger.AppendFailed(draft.ConversationId, 0, attempt + 1, exception);
            }
        }

        return new CommitResult(null, false, null, failure);
    }

    // The answer to a send whose client message id is claimed for claimedSeq, or null when the claim was given back
    // (the original failed for good) and the send goes on as a new message. settleEmpty: a claimed seq that holds
    // nothing is settled with a tombstone (the claim was there before this send began); otherwise (a concurrent send
    // just won the claim and is still writing) this send is asked to repeat, which then finds the original.
    private async ValueTask<CommitResult?> ResolveClaimAsync(DeduplicationKey key, long claimedSeq, Message draft, bool settleEmpty)
    {
        var holder = await messages.GetAsync(draft.ConversationId, claimedSeq, CancellationToken.None).ConfigureAwait(false);
        if (holder is null)
        {
            if (claimedSeq < await messages.GetHistoryStartAsync(draft.ConversationId, CancellationToken.None).ConfigureAwait(false))
            {
                // Stored once and removed by retention since: the original cannot be named any more.
                return new CommitResult(null, false, null, Validation.BadRequest("This client_msg_id was used for a message that is no longer kept; use a new one."));
            }

            if (!settleEmpty)
            {
                return new CommitResult(null, false, null, SendAgainFailure());
            }

            // The original is still being written, or its writer stopped: settle the seq (an original landing first wins).
            holder = await WriteTombstoneAsync(draft with { Seq = claimedSeq }).ConfigureAwait(false);
            if (holder is null)
            {
                return new CommitResult(null, false, null, SendAgainFailure());
            }

            if (holder.Kind == MessageKind.Tombstone && IsSameSend(holder, draft))
            {
                await ReleaseAsync(key, claimedSeq).ConfigureAwait(false);
                return new CommitResult(null, false, holder, SendAgainFailure());
            }
        }

        if (holder.Kind != MessageKind.Tombstone && IsSameSend(holder, draft))
        {
            return new CommitResult(holder, Duplicate: true, null, null);
        }

        // A tombstone or another message at the claimed seq: the original can never be stored.
        await ReleaseAsync(key, claimedSeq).ConfigureAwait(false);
        return null;
    }

    // Claims the client message id for the seq this send took. Null when claimed; otherwise the answer, after the
    // taken seq was filled with a tombstone (a concurrent send of the same id won, or the claim failed).
    private async ValueTask<CommitResult?> ClaimTakenSeqAsync(DeduplicationKey key, Message message)
    {
        DeduplicationClaim claim;
        try
        {
            claim = await deduplication.ClaimAsync(key, message.Seq, context.Options.DeduplicationWindow, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            context.Logger.AppendFailed(message.ConversationId, message.Seq, 1, exception);
            var failed = await FailWithTombstoneAsync(message, exception).ConfigureAwait(false);
            await ReleaseAsync(key, message.Seq).ConfigureAwait(false);
            return failed;
        }

        if (claim.Claimed)
        {
            return null;
        }

        var tombstone = await WriteTombstoneAsync(message).ConfigureAwait(false);
        var answer = await ResolveClaimAsync(key, claim.Seq, message, settleEmpty: false).ConfigureAwait(false)
            ?? new CommitResult(null, false, null, SendAgainFailure());
        return answer with { Tombstone = answer.Tombstone ?? (tombstone is not null && tombstone.Kind == MessageKind.Tombstone && IsSameSend(tombstone, message) ? tombstone : null) };
    }

    // Records where the message will be stored, beside the append (an entry whose seq ends up holding something
    // else reads as unknown, so writing it first is harmless). A failure costs only look-ups by id of this message.
    private async Task RecordIdAsync(Message message)
    {
        for (var attempt = 0; attempt < EngineLimits.AppendAttempts; attempt++)
        {
            try
            {
                await messageIds.AddAsync(message.MessageId, new MessageLocation(message.ConversationId, message.Seq), CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (Exception exception)
            {
                context.Logger.PostCommitStepFailed("message id index", message.ConversationId, message.Seq, exception);
            }
        }
    }

    // Appends a message whose seq this send owns, retrying failures with the same seq.
    private async ValueTask<(AppendKind Kind, Message? Stored, Message? Holder, Exception? Failure)> AppendTakenSeqAsync(Message message)
    {
        Exception? failure = null;
        for (var attempt = 0; attempt < EngineLimits.AppendAttempts; attempt++)
        {
            try
            {
                var result = await messages.AppendAsync(message, CancellationToken.None).ConfigureAwait(false);
                switch (result.Outcome)
                {
                    case AppendOutcome.Appended:
                        return (AppendKind.Committed, result.Existing ?? message, null, null);
                    case AppendOutcome.SeqTaken when result.Existing is { } holder && IsSame(holder, message):
                        // An earlier attempt that reported a failure was stored after all.
                        return (AppendKind.Committed, holder, null, null);
                    case AppendOutcome.SeqTaken:
                        return (AppendKind.SeqTaken, null, result.Existing, null);
                    default:
                        failure = new InvalidOperationException($"The store answered {result.Outcome} to an append at a seq.");
                        break;
                }
            }
            catch (Exception exception)
            {
                failure = exception;
                context.Logger.AppendFailed(message.ConversationId, message.Seq, attempt + 1, exception);
            }
        }

        return (AppendKind.Failed, null, null, failure);
    }

    private async ValueTask<CommitResult> FailWithTombstoneAsync(Message message, Exception failure)
    {
        var tombstone = await WriteTombstoneAsync(message).ConfigureAwait(false);
        if (tombstone is not null && IsSame(tombstone, message))
        {
            // The tombstone found the seq held by this very message: the send did commit.
            return new CommitResult(tombstone, Duplicate: false, null, null);
        }

        return new CommitResult(null, false, tombstone is { Kind: MessageKind.Tombstone } && IsSameSend(tombstone, message) ? tombstone : null, failure);
    }

    // Gives a claim back (best effort: a claim left behind is released by the next repeat that finds it unusable).
    private async ValueTask ReleaseAsync(DeduplicationKey? key, long seq)
    {
        if (key is not { } claimed)
        {
            return;
        }

        try
        {
            await deduplication.ReleaseAsync(claimed, seq, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            context.Logger.PostCommitStepFailed("de-duplication release", claimed.ConversationId, seq, exception);
        }
    }

    // Fills the seq of a message that will never be stored. Returns the tombstone, or whatever holds the seq already
    // (then there is no hole), or null when even the tombstone cannot be written. The tombstone keeps the sender and
    // client message id of the send it replaces, so whoever finds it knows which send it settled.
    private async ValueTask<Message?> WriteTombstoneAsync(Message message)
    {
        var tombstone = new Message
        {
            ConversationId = message.ConversationId,
            Seq = message.Seq,
            MessageId = ids.NewMessageId(),
            SenderId = message.SenderId,
            ClientMsgId = message.ClientMsgId,
            Content = string.Empty,
            Timestamp = context.Now,
            Kind = MessageKind.Tombstone,
        };

        for (var attempt = 0; attempt < EngineLimits.AppendAttempts; attempt++)
        {
            try
            {
                var result = await messages.AppendAsync(tombstone, CancellationToken.None).ConfigureAwait(false);
                if (result.Outcome == AppendOutcome.Appended)
                {
                    context.Logger.SeqTombstoned(message.ConversationId, message.Seq);
                    return tombstone;
                }

                if (result.Outcome == AppendOutcome.SeqTaken && result.Existing is not null)
                {
                    return result.Existing;
                }
            }
            catch (Exception exception)
            {
                context.Logger.TombstoneFailed(message.ConversationId, message.Seq, exception);
            }
        }

        return null;
    }

    private static MessagingBackendException SendAgainFailure()
        => new(SendAgain, new InvalidOperationException("The seq claimed for this client_msg_id was settled without the message."));

    private static bool IsSame(Message stored, Message candidate)
        => string.Equals(stored.MessageId, candidate.MessageId, StringComparison.Ordinal);

    private static bool IsSameSend(Message stored, Message candidate)
        => string.Equals(stored.SenderId, candidate.SenderId, StringComparison.Ordinal) && string.Equals(stored.ClientMsgId, candidate.ClientMsgId, StringComparison.Ordinal);
}
