namespace Messaging;

/// <summary>
/// Presence (DESIGN §5): a device is online while its lease lives — connect, heartbeats and the node's periodic
/// refresh of its live connections extend it by <see cref="MessagingOptions.PresenceTtl"/>; a disconnect shortens it
/// to <see cref="MessagingOptions.PresenceGracePeriod"/>, so a quick reconnect is never seen. Online transitions are
/// published when a touch reports them, offline ones by the sweep; privacy is applied per viewer on delivery.
/// </summary>
internal sealed class PresenceService(EngineContext context, IPresenceStore presence, IConnectionDirectory directory, PresencePrivacy privacy, NodePublisher publisher)
{
    // With a store that forecasts its next expiry: no lease can lapse before this time (touched by the sweep only).
    private DateTimeOffset _quietUntil = DateTimeOffset.MinValue;

    /// <summary>A device connected or heartbeated: extend its lease by the TTL.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="deviceId">The device.</param>
    /// <param name="cancellationToken">Cancels the touch.</param>
    /// <returns>A task that completes when touched (and an online change published).</returns>
    public ValueTask TouchAsync(string userId, string deviceId, CancellationToken cancellationToken)
        => LeaseAsync(userId, deviceId, context.Options.PresenceTtl, cancellationToken);

    /// <summary>A connection closed: unless the device holds another live connection, its lease ends after the grace period.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="deviceId">The device.</param>
    /// <returns>A task that completes when touched.</returns>
    public async ValueTask DisconnectedAsync(string userId, string deviceId)
    {
        var connections = await directory.GetConnectionsAsync(userId, CancellationToken.None).ConfigureAwait(false);
        if (connections.Any(c => string.Equals(c.DeviceId, deviceId, StringComparison.Ordinal)))
        {
            return;
        }

        await LeaseAsync(userId, deviceId, context.Options.PresenceGracePeriod, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Removes lapsed leases and publishes the users who went offline, with their last seen. With a store that
    /// forecasts its next expiry (<see cref="IPresenceExpiryForecast"/>) it asks the store only once a lease may have
    /// lapsed: an idle node then costs the store one read per shortest lease, not one sweep per interval.
    /// </summary>
    /// <param name="cancellationToken">Cancels the sweep.</param>
    /// <returns>A task that completes when swept.</returns>
    public async ValueTask SweepAsync(CancellationToken cancellationToken)
    {
        var now = context.Now;
        if (presence is IPresenceExpiryForecast forecast)
        {
            if (now < _quietUntil)
            {
                return;
            }

            if (await forecast.GetNextExpiryAsync(cancellationToken).ConfigureAwait(false) is { } next && next > now)
            {
                // A lease written from now on lapses no earlier than the shortest lease from now.
                var options = context.Options;
                var shortest = options.PresenceGracePeriod < options.PresenceTtl ? options.PresenceGracePeriod : options.PresenceTtl;
                _quietUntil = next - now < shortest ? next : now + shortest;
                return;
            }
        }

        var changes = await presence.ExpireAsync(now, cancellationToken).ConfigureAwait(false);
        foreach (var change in changes)
        {
            await PublishAsync(change).ConfigureAwait(false);
        }
    }

    /// <summary>Sets who may see a user's presence, and republishes it so watchers see it under the new rule.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="visibility">The visibility.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>A task that completes when stored.</returns>
    public async ValueTask SetVisibilityAsync(string userId, PresenceVisibility visibility, CancellationToken cancellationToken)
    {
        if (!Enum.IsDefined(visibility))
        {
            throw Validation.BadRequest("Unknown presence visibility.");
        }

        await presence.SetVisibilityAsync(userId, visibility, cancellationToken).ConfigureAwait(false);
        await RepublishAsync(userId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Publishes a user's current presence again, so every watcher sees it under the rule that applies now (privacy is
    /// applied per viewer on delivery): after a visibility change, or when a watcher became a contact.
    /// </summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the read of the current presence.</param>
    /// <returns>A task that completes when published (a failed publish is logged).</returns>
    public async ValueTask RepublishAsync(string userId, CancellationToken cancellationToken)
    {
        var current = await presence.GetAsync(userId, cancellationToken).ConfigureAwait(false);
        await PublishAsync(current).ConfigureAwait(false);
    }

    /// <summary>A user's presence as a viewer may see it.</summary>
    /// <param name="viewerId">Who looks.</param>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the lookups.</param>
    /// <returns>The visible presence.</returns>
    public ValueTask<PresenceInfo> GetAsync(string viewerId, string userId, CancellationToken cancellationToken)
        => privacy.GetAsync(userId, viewerId, cancellationToken);

    private async ValueTask LeaseAsync(string userId, string deviceId, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = context.Now;
        var change = await presence.TouchAsync(userId, deviceId, now, now + lease, cancellationToken).ConfigureAwait(false);
        if (change is { } online)
        {
            await PublishAsync(online).ConfigureAwait(false);
        }
    }

    private async ValueTask PublishAsync(PresenceChange change)
    {
        try
        {
            await publisher.PublishAsync(Audience.FollowersOf(FollowTopic.Presence(change.UserId)), new PresenceEnvelope(change.UserId, change.Status, change.LastSeen), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            context.Logger.PresencePublishFailed(change.UserId, exception);
        }
    }
}
