namespace Messaging;

/// <summary>
/// Gets a committed message to the members: one publish per the conversation's fan-out mode, and push notifications
/// for members with no live connection. Failures are logged and never undo or fail the committed send: receivers
/// recover the message by gap filling and catch-up.
/// </summary>
internal sealed class MessageFanout(EngineContext context)
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
        var recipients = new List<string>(conversation.Members.Count);
        foreach (var member in conversation.Members)
        {
            if (!string.Equals(member.UserId, message.SenderId, StringComparison.Ordinal))
            {
                recipients.Add(member.UserId);
            }
        }

        if (recipients.Count == 0)
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
}
