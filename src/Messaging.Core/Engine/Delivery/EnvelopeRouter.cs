namespace Messaging;

/// <summary>
/// Hands envelopes from the node's backplane subscriptions to local connection pipelines: user channels to the
/// user's connections, conversation channels to the interested local members, presence channels to the watchers.
/// Only enqueues (never blocks the subscription), and one failing connection never stops the others.
/// </summary>
internal sealed class EnvelopeRouter(EngineContext context, LocalConnections local, ReadPathInterest interest, PresenceWatchers watchers)
{
    /// <summary>Routes one envelope received on one channel.</summary>
    /// <param name="channel">The channel it arrived on.</param>
    /// <param name="envelope">The envelope.</param>
    /// <param name="cancellationToken">Cancelled when the subscription ends.</param>
    /// <returns>A task that completes when routed.</returns>
    public ValueTask RouteAsync(TransportChannel channel, Envelope envelope, CancellationToken cancellationToken)
    {
        switch (channel.Kind)
        {
            case ChannelKind.User:
                ToUser(channel.Id, envelope);
                break;
            case ChannelKind.Conversation:
                foreach (var userId in interest.LocalMembers(channel.Id))
                {
                    ToUser(userId, envelope);
                }

                break;
            case ChannelKind.Presence when envelope is PresenceEnvelope presence:
                var change = new PresenceChange(presence.UserId, presence.Status, presence.LastSeen);
                foreach (var watcher in watchers.WatchersOf(channel.Id))
                {
                    Guard(watcher, change, static (p, c) => p.EnqueuePresence(c));
                }

                break;
        }

        if (envelope is MembershipEnvelope membership)
        {
            // Re-subscribing takes per-user locks that a disconnect may hold while it waits for this very
            // subscription to end, so the refresh runs apart from the handler, which only hands it off.
            _ = Task.Run(() => RefreshAsync(channel, membership), CancellationToken.None);
        }

        return ValueTask.CompletedTask;
    }

    private async Task RefreshAsync(TransportChannel channel, MembershipEnvelope membership)
    {
        try
        {
            await interest.RefreshAsync(membership.ConversationId, membership.UserId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            context.Logger.RouteFailed(channel.Kind, channel.Id, exception);
        }
    }

    private void ToUser(string userId, Envelope envelope)
    {
        var connections = local.ForUser(userId);
        if (connections.IsEmpty)
        {
            return;
        }

        switch (envelope)
        {
            case MessageEnvelope message:
                foreach (var connection in connections)
                {
                    Guard(connection, message, static (p, m) => p.EnqueueMessage(m.Message, m.OriginConnectionId));
                }

                break;
            case StatusEnvelope status:
                var statusEvent = new StatusEvent(status.ConversationId, status.MessageId, status.Seq, status.Status, status.ClientMsgId, status.Timestamp);
                foreach (var connection in connections)
                {
                    Guard(connection, statusEvent, static (p, e) => p.EnqueueEvent(e));
                }

                break;
            case TypingEnvelope typing when !string.Equals(typing.UserId, userId, StringComparison.Ordinal):
                // Never echoed to the typist's own devices.
                var typingEvent = new TypingEvent(typing.ConversationId, typing.UserId, typing.IsTyping);
                foreach (var connection in connections)
                {
                    Guard(connection, typingEvent, static (p, e) => p.EnqueueEvent(e));
                }

                break;
        }
    }

    private void Guard<TState>(ConnectionPipeline pipeline, TState state, Action<ConnectionPipeline, TState> enqueue)
    {
        try
        {
            enqueue(pipeline, state);
        }
        catch (Exception exception)
        {
            context.Logger.ConnectionCallFailed(pipeline.ConnectionId, exception);
        }
    }
}
