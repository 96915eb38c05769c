namespace Messaging;

/// <summary>The outcome of committing a draft message.</summary>
/// <param name="Message">The stored message (the original one for a duplicate), or <see langword="null"/> when the send failed.</param>
/// <param name="Duplicate">The client message id had been used: nothing new was stored.</param>
/// <param name="Tombstone">A tombstone written at a seq this send took but could not use; readers must be told.</param>
/// <param name="Failure">Why the send failed, when <paramref name="Message"/> is <see langword="null"/>.</param>
internal readonly record struct CommitResult(Message? Message, bool Duplicate, Message? Tombstone, Exception? Failure);

/// <summary>
/// The commit point of a send: de-duplicate on <c>(conversation, sender, client_msg_id)</c>, take a seq, append. Once a
/// seq is taken the append is finished whatever happens (no cancellation): retried on failure, and when it can never
/// be written, filled with a tombstone so no reader waits on a hole.
/// </summary>
internal sealed class MessageCommitter(EngineContext context, SequenceFence fence)
{
    private enum AppendKind
    {
        Committed,
        Duplicate,
        SeqTaken,
        Failed,
    }

    /// <summary>Commits a draft (its seq is ignored).</summary>
    /// <param name="draft">The message to store.</param>
    /// <param name="cancellationToken">Cancels the steps before a seq is taken.</param>
    /// <returns>What happened.</returns>
    public async ValueTask<CommitResult> CommitAsync(Message draft, CancellationToken cancellationToken)
    {
        if (context.Messages is IAtomicSequencingStore atomic)
        {
            // The atomic step de-duplicates itself (and answers with the original): no separate look-up first.
            return await CommitAtomicallyAsync(atomic, draft, cancellationToken).ConfigureAwait(false);
        }

        // A repeat must not take a seq: look it up before sequencing.
        var existing = await context.Messages.FindByClientMsgIdAsync(draft.ConversationId, draft.SenderId, draft.ClientMsgId, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            return new CommitResult(existing, Duplicate: true, null, null);
        }

        await fence.EnsureFencedAsync(draft.ConversationId, cancellationToken).ConfigureAwait(false);
        for (var round = 0; ; round++)
        {
            var seq = await context.Sequencer.NextAsync(draft.ConversationId, cancellationToken).ConfigureAwait(false);
            var message = draft with { Seq = seq };
            var (kind, stored, failure) = await AppendTakenSeqAsync(message).ConfigureAwait(false);
            switch (kind)
            {
                case AppendKind.Committed:
                    return new CommitResult(stored, Duplicate: false, null, null);

                case AppendKind.Duplicate:
                    // A concurrent send with the same client message id won; the seq we took must not stay a hole.
                    return new CommitResult(stored, Duplicate: true, await WriteTombstoneAsync(message).ConfigureAwait(false), null);

                case AppendKind.SeqTaken when round < EngineLimits.SeqTakenRetries:
                    // The sequencer is behind the store (it lost state): the seq is occupied, so there is no hole to fill.
                    var last = await fence.FenceAsync(draft.ConversationId, CancellationToken.None).ConfigureAwait(false);
                    context.Logger.SequencerFenced(draft.ConversationId, seq, last);
                    continue;

                case AppendKind.SeqTaken:
                    return new CommitResult(null, false, null, new InvalidOperationException($"Seq {seq} was taken {round + 1} times in a row."));

                default:
                    return await FailWithTombstoneAsync(message, failure!).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask<CommitResult> CommitAtomicallyAsync(IAtomicSequencingStore atomic, Message draft, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        for (var attempt = 0; attempt < EngineLimits.AppendAttempts; attempt++)
        {
            try
            {
                // A retry may find the first attempt committed after all: then the "duplicate" is this very draft.
                var result = await atomic.SequenceAndAppendAsync(draft, attempt == 0 ? cancellationToken : CancellationToken.None).ConfigureAwait(false);
                switch (result.Outcome)
                {
                    case AppendOutcome.Appended when result.Existing is { } stored:
                        return new CommitResult(stored, Duplicate: false, null, null);
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

    // Appends a message whose seq this send owns, retrying failures with the same seq.
    private async ValueTask<(AppendKind Kind, Message? Stored, Exception? Failure)> AppendTakenSeqAsync(Message message)
    {
        Exception? failure = null;
        for (var attempt = 0; attempt < EngineLimits.AppendAttempts; attempt++)
        {
            try
            {
                var result = await context.Messages.AppendAsync(message, CancellationToken.None).ConfigureAwait(false);
                switch (result.Outcome)
                {
                    case AppendOutcome.Appended:
                        return (AppendKind.Committed, result.Existing ?? message, null);
                    case AppendOutcome.DuplicateClientMessage or AppendOutcome.SeqTaken when result.Existing is { } holder && IsSame(holder, message):
                        // An earlier attempt that reported a failure was stored after all.
                        return (AppendKind.Committed, holder, null);
                    case AppendOutcome.DuplicateClientMessage when result.Existing is { } original:
                        return (AppendKind.Duplicate, original, null);
                    case AppendOutcome.SeqTaken:
                        return (AppendKind.SeqTaken, null, null);
                    default:
                        failure = new InvalidOperationException($"The store answered {result.Outcome} without the original message.");
                        break;
                }
            }
            catch (Exception exception)
            {
                failure = exception;
                context.Logger.AppendFailed(message.ConversationId, message.Seq, attempt + 1, exception);
            }
        }

        return (AppendKind.Failed, null, failure);
    }

    private async ValueTask<CommitResult> FailWithTombstoneAsync(Message message, Exception failure)
    {
        var tombstone = await WriteTombstoneAsync(message).ConfigureAwait(false);
        if (tombstone is not null && IsSame(tombstone, message))
        {
            // The tombstone found the seq held by this very message: the send did commit.
            return new CommitResult(tombstone, Duplicate: false, null, null);
        }

        return new CommitResult(null, false, tombstone, failure);
    }

    // Fills the seq of a message that will never be stored. Returns the tombstone, or whatever holds the seq already
    // (then there is no hole), or null when even the tombstone cannot be written.
    private async ValueTask<Message?> WriteTombstoneAsync(Message message)
    {
        var messageId = context.Ids.NewMessageId();
        var tombstone = new Message
        {
            ConversationId = message.ConversationId,
            Seq = message.Seq,
            MessageId = messageId,
            SenderId = message.SenderId,
            ClientMsgId = "tombstone:" + messageId,
            Content = string.Empty,
            Timestamp = context.Now,
            Kind = MessageKind.Tombstone,
        };

        for (var attempt = 0; attempt < EngineLimits.AppendAttempts; attempt++)
        {
            try
            {
                var result = await context.Messages.AppendAsync(tombstone, CancellationToken.None).ConfigureAwait(false);
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

    private static bool IsSame(Message stored, Message candidate)
        => string.Equals(stored.MessageId, candidate.MessageId, StringComparison.Ordinal);
}
