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
        var followers = audience.Followers is { Kind: FollowKind.Conversation } conversation ? interest.LocalMembers(conversation.Id) : [];

        // A fan-out to many users hands their connections to the thread pool instead of writing each in turn here.
        var handOff = users.Count + followers.Length > EngineLimits.InlineFanOut;
        for (var i = 0; i < users.Count; i++)
        {
            ToUser(users[i], envelope, handOff);
        }

        foreach (var userId in followers)
        {
            // A listed user (the sender of a read-path message) already has it.
            if (!Contains(users, userId))
            {
                ToUser(userId, envelope, handOff);
            }
        }

        if (audience.Followers is { Kind: FollowKind.Presence } topic && envelope is PresenceEnvelope presence)
        {
            var change = new PresenceChange(presence.UserId, presence.Status, presence.LastSeen);
            foreach (var watcher in watchers.WatchersOf(topic.Id))
            {
                Guard(watcher, change, static (p, c) => p.EnqueuePresence(c));
            }
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

    private void ToUser(string userId, Envelope envelope, bool handOff)
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
                    Guard(connection, (message, handOff), static (p, m) => p.EnqueueMessage(m.message.Message, m.message.OriginConnectionId, m.handOff));
                }

                break;
            case StatusEnvelope status:
                var statusEvent = new StatusEvent(status.ConversationId, status.MessageId, status.Seq, status.Status, status.ClientMsgId, status.Timestamp);
                foreach (var connection in connections)
                {
                    Guard(connection, (statusEvent, handOff), static (p, e) => p.EnqueueEvent(e.statusEvent, e.handOff));
                }

                break;
            case TypingEnvelope typing when !string.Equals(typing.UserId, userId, StringComparison.Ordinal):
                // Never echoed to the typist's own devices.
                var typingEvent = new TypingEvent(typing.ConversationId, typing.UserId, typing.IsTyping);
                foreach (var connection in connections)
                {
                    Guard(connection, (typingEvent, handOff), static (p, e) => p.EnqueueEvent(e.typingEvent, e.handOff));
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
