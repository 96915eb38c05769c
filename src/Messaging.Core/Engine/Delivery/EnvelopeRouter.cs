namespace Messaging;

/// <summary>
/// Hands a node envelope to this node's connections: the listed users' connections, plus the local followers of the
/// envelope's topic (the members connected here of a read-path conversation, or the connections watching a user's
/// presence). Used for envelopes from the node's inbox and, without the backplane, for recipients connected here.
/// Only enqueues (never blocks the inbox), and one failing connection never stops the others.
/// </summary>
internal sealed class EnvelopeRouter(EngineContext context, LocalConnections local, ReadPathInterest interest, PresenceWatchers watchers, RecentMessages recent)
{
    /// <summary>Delivers one envelope to its local recipients.</summary>
    /// <param name="routed">The envelope and its audience.</param>
    public void Route(NodeEnvelope routed)
    {
        var (audience, envelope) = routed;
        if (envelope is MessageEnvelope { Message: var message })
        {
            recent.Remember(message);
        }

        var users = audience.Users;
        for (var i = 0; i < users.Count; i++)
        {
            ToUser(users[i], envelope);
        }

        switch (audience.Followers)
        {
            case { Kind: FollowKind.Conversation } topic:
                foreach (var userId in interest.LocalMembers(topic.Id))
                {
                    // A listed user (the sender of a read-path message) already has it.
                    if (!Contains(users, userId))
                    {
                        ToUser(userId, envelope);
                    }
                }

                break;
            case { Kind: FollowKind.Presence } topic when envelope is PresenceEnvelope presence:
                var change = new PresenceChange(presence.UserId, presence.Status, presence.LastSeen);
                foreach (var watcher in watchers.WatchersOf(topic.Id))
                {
                    Guard(watcher, change, static (p, c) => p.EnqueuePresence(c));
                }

                break;
        }

        // Only a node holding one of the members (or someone following the conversation here) has anything to
        // re-evaluate; the others skip the conversation read.
        if (envelope is MembershipEnvelope membership && HoldsAny(users, membership.ConversationId))
        {
            // Re-evaluating takes per-user locks that a disconnect may hold, so it runs apart from the caller (the
            // inbox handler or a publisher), which only hands it off.
            _ = Task.Run(() => RefreshAsync(membership), CancellationToken.None);
        }
    }

    private bool HoldsAny(IReadOnlyList<string> users, string conversationId)
    {
        for (var i = 0; i < users.Count; i++)
        {
            if (local.IsConnected(users[i]))
            {
                return true;
            }
        }

        return interest.LocalMembers(conversationId).Length > 0;
    }

    private static bool Contains(IReadOnlyList<string> users, string userId)
    {
        for (var i = 0; i < users.Count; i++)
        {
            if (string.Equals(users[i], userId, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private async Task RefreshAsync(MembershipEnvelope membership)
    {
        try
        {
            await interest.RefreshAsync(membership.ConversationId, membership.UserId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            context.Logger.RouteFailed(membership.ConversationId, exception);
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
