namespace Messaging;

/// <summary>
/// Sends an envelope to its audience: the recipients connected to this node directly (no backplane hop), the other
/// nodes that hold a recipient or follow the envelope's topic with one publish of one encoded payload. The nodes come
/// from the <see cref="RouteCache"/> (one batch directory look-up for the misses); presence topics are always read from
/// the directory (presence changes are rare, and a watcher must not miss one). The payload goes through the
/// <see cref="NodeOutbox"/>, which batches what queues for a node while a publish to it is in flight.
/// </summary>
internal sealed class NodePublisher(EngineContext context, IConnectionDirectory directory, RouteCache routes, EnvelopeRouter router, NodeOutbox outbox)
{
    /// <summary>Delivers an envelope locally and publishes it to the other nodes of its audience.</summary>
    /// <param name="audience">Who gets it.</param>
    /// <param name="envelope">The envelope.</param>
    /// <param name="cancellationToken">Cancels the look-up and the publish.</param>
    /// <returns>A task that completes when published.</returns>
    /// <exception cref="MessagingBackendException">The directory or the backplane failed (local recipients have it already).</exception>
    public async ValueTask PublishAsync(Audience audience, Envelope envelope, CancellationToken cancellationToken)
    {
        var routed = new NodeEnvelope(audience, envelope);
        router.Route(routed);

        var nodes = new NodeTargets(context.NodeId);
        try
        {
            if (audience.Users.Count > 0)
            {
                await routes.ResolveUsersAsync(audience.Users, nodes, offline: null, cancellationToken).ConfigureAwait(false);
            }

            switch (audience.Followers)
            {
                case { Kind: FollowKind.Conversation } topic:
                    await routes.ResolveFollowersAsync(topic.Id, nodes, cancellationToken).ConfigureAwait(false);
                    break;
                case { } topic:
                    nodes.AddRange(await directory.GetFollowersAsync(topic, cancellationToken).ConfigureAwait(false));
                    break;
            }

            if (nodes.Nodes is not { } others)
            {
                return;
            }

            await outbox.PublishAsync(others, EnvelopeCodec.Encode(routed), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not (MessagingException or OperationCanceledException))
        {
            throw new MessagingBackendException("Publishing to the other nodes failed.", exception);
        }

        context.Metrics.FanoutPublished(envelope.GetType().Name);
    }
}
