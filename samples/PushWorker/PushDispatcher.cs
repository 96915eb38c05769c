using Messaging;

namespace PushWorker;

/// <summary>
/// What the worker does with one event: for a committed text or media message, a push to every other member of the
/// conversation who has no live connection, each at most once per de-duplication window.
/// </summary>
/// <remarks>
/// "No live connection" is the connection directory's answer: a user is online while any device of theirs is
/// registered by a gateway whose lease is fresh (a gateway that dies stops refreshing and its entries expire), so the
/// worker and the gateways agree without talking to each other. A push is recorded in the de-duplication store (Redis
/// SET NX with a TTL, shared by every worker) after the notifier took it: a crash between the two pushes once more,
/// which is what at-least-once allows; a record read again after a restart finds the push recorded and skips it.
/// </remarks>
public sealed class PushDispatcher(IConversationStore conversations, IConnectionDirectory directory, IDeduplicationStore pushed, IPushNotifier notifier, TimeSpan window)
{
    // The "sender" part of the de-duplication key of a push (the real sender ids never start with '~').
    private const string PushMarker = "~push:";

    /// <summary>Handles one event of the log.</summary>
    /// <param name="logEvent">The event.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>How many pushes were handed to the notifier.</returns>
    public async ValueTask<int> HandleAsync(LogEvent logEvent, CancellationToken cancellationToken)
    {
        if (logEvent is not MessageLogEvent { Message: { Kind: MessageKind.Text or MessageKind.Media } message })
        {
            return 0;
        }

        var conversation = await conversations.GetAsync(message.ConversationId, cancellationToken).ConfigureAwait(false);
        if (conversation is null)
        {
            return 0;
        }

        var recipients = conversation.Members.Select(m => m.UserId).Where(u => u != message.SenderId).ToList();
        if (recipients.Count == 0)
        {
            return 0;
        }

        var online = (await directory.GetConnectionsOfAsync(recipients, cancellationToken).ConfigureAwait(false)).Select(c => c.UserId).ToHashSet(StringComparer.Ordinal);
        var count = 0;
        foreach (var recipient in recipients)
        {
            if (online.Contains(recipient))
            {
                continue;
            }

            var key = new DeduplicationKey(message.ConversationId, PushMarker + recipient, message.MessageId);
            if (await pushed.FindAsync(key, cancellationToken).ConfigureAwait(false) is not null)
            {
                continue;
            }

            await notifier.NotifyAsync(new PushNotification(recipient, message), cancellationToken).ConfigureAwait(false);
            await pushed.ClaimAsync(key, message.Seq, window, cancellationToken).ConfigureAwait(false);
            count++;
        }

        return count;
    }
}
