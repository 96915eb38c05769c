namespace Messaging;

/// <summary>
/// Gets a committed message to the members: to the audience of the conversation's fan-out mode through the
/// <see cref="NodePublisher"/> (local members directly, each other node one publish), and push notifications for
/// members with no live connection. Failures are logged and never undo or fail the committed send: receivers recover
/// the message by gap filling and catch-up.
/// </summary>
internal sealed class MessageFanout(EngineContext context, IFanoutPolicy fanoutPolicy, IPushNotifier push, NodePublisher publisher, RouteCache routes, LocalConnections local)
{
    /// <summary>Delivers the message envelope to local members and publishes it to the other nodes.</summary>
    /// <param name="conversation">The conversation at commit time.</param>
    /// <param name="message">The committed message or tombstone.</param>
    /// <param name="originConnectionId">The sending connection, which only advances its cursor.</param>
    /// <param name="alsoUserId">A user to reach too (a member being removed), or <see langword="null"/>.</param>
    /// <returns>A task that completes when published (or the failure logged).</returns>
    public async ValueTask PublishAsync(Conversation conversation, Message message, string? originConnectionId, string? alsoUserId = null)
    {
        var audience = Audiences.Message(conversation, fanoutPolicy.Choose(conversation), message.SenderId, alsoUserId);
        try
        {
            await publisher.PublishAsync(audience, new MessageEnvelope(message, originConnectionId), CancellationToken.None).ConfigureAwait(false);
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
        // A notifier that would reach nobody needs no look-up (asked per send: it may change at run time).
        if (!push.IsEnabled)
        {
            return;
        }

        // Members connected here are online; the others come from the route cache (for a write-path message, the
        // entries the publish just read).
        var members = conversation.Members;
        List<string>? recipients = null;
        for (var i = 0; i < members.Count; i++)
        {
            var userId = members[i].UserId;
            if (!string.Equals(userId, message.SenderId, StringComparison.Ordinal) && !local.IsConnected(userId))
            {
                (recipients ??= new List<string>(members.Count - 1)).Add(userId);
            }
        }

        if (recipients is null)
        {
            return;
        }

        var offline = new List<string>();
        try
        {
            await routes.ResolveUsersAsync(recipients, nodes: null, offline, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            context.Logger.PostCommitStepFailed("push", message.ConversationId, message.Seq, exception);
            return;
        }

        foreach (var recipient in offline)
        {
            try
            {
                await push.NotifyAsync(new PushNotification(recipient, message), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                context.Logger.PushFailed(recipient, message.ConversationId, exception);
            }
        }
    }
}
