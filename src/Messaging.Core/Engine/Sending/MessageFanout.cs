using Microsoft.Extensions.Logging;

namespace Messaging;

/// <summary>
/// Gets a committed message to the members: one publish per the conversation's fan-out mode, and push notifications
/// for members with no live connection. Failures are logged and never undo or fail the committed send: receivers
/// recover the message by gap filling and catch-up.
/// </summary>
/// <param name="context">The engine's roles.</param>
/// <param name="isConnectedHere">
/// Whether a user has a live connection on this node, when the engine can tell: such members need no directory
/// look-up before push (they are connected). <see langword="null"/>: every recipient is looked up.
/// </param>
internal sealed class MessageFanout(EngineContext context, Func<string, bool>? isConnectedHere = null)
{
    /// <summary>Publishes the message envelope (all channels in one publish).</summary>
    /// <param name="conversation">The conversation at commit time.</param>
    /// <param name="message">The committed message or tombstone.</param>
    /// <param name="originConnectionId">The sending connection, which only advances its cursor.</param>
    /// <param name="alsoUserId">A user to reach on their own channel too (a member being removed), or <see langword="null"/>.</param>
    /// <returns>A task that completes when published (or the failure logged).</returns>
    public async ValueTask PublishAsync(Conversation conversation, Message message, string? originConnectionId, string? alsoUserId = null)
    {
        var mode = context.Fanout.Choose(conversation);
        var channels = FanoutChannels.ForMessage(conversation, mode, message.SenderId, alsoUserId);
        try
        {
            await context.PublishAsync(channels, new MessageEnvelope(message, originConnectionId), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            context.Logger.PostCommitStepFailed("publish", message.ConversationId, message.Seq, exception);
        }
    }

    /// <summary>Notifies the members other than the sender that have no live connection anywhere.</summary>
    /// <param name="conversation">The conversation at commit time.</param>
    /// <param name="message">The committed message.</param>
    /// <returns>A task that completes when every notification was handed off (or its failure logged).</returns>
    public async ValueTask NotifyOfflineMembersAsync(Conversation conversation, Message message)
    {
        if (PushIsNoOp())
        {
            return;
        }

        // Only the members not connected on this node need the directory; in a 1:1 with the recipient here, none do.
        var members = conversation.Members;
        List<string>? recipients = null;
        for (var i = 0; i < members.Count; i++)
        {
            var userId = members[i].UserId;
            if (!string.Equals(userId, message.SenderId, StringComparison.Ordinal) && isConnectedHere?.Invoke(userId) != true)
            {
                (recipients ??= new List<string>(members.Count - 1)).Add(userId);
            }
        }

        if (recipients is null)
        {
            return;
        }

        IReadOnlySet<string> connected;
        try
        {
            connected = await context.Directory.GetConnectedUsersAsync(recipients, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            context.Logger.PostCommitStepFailed("push", message.ConversationId, message.Seq, exception);
            return;
        }

        foreach (var recipient in recipients)
        {
            if (connected.Contains(recipient))
            {
                continue;
            }

            try
            {
                await context.Push.NotifyAsync(new PushNotification(recipient, message), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                context.Logger.PushFailed(recipient, message.ConversationId, exception);
            }
        }
    }

    // The default notifier (no push provider registered) only writes a debug log: with that level off it does nothing,
    // so neither does finding out who would have been notified. Asked per send, so a log level changed at run time counts.
    private bool PushIsNoOp() => context.Push is LoggingPushNotifier { IsEnabled: false };
}
