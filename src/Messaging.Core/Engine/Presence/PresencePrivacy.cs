namespace Messaging;

/// <summary>
/// Applies a user's presence visibility for one viewer: <see cref="PresenceVisibility.Everyone"/> shows the raw
/// presence, <see cref="PresenceVisibility.Contacts"/> shows it to contacts (host's <see cref="IContactPolicy"/>),
/// and whoever may not see it gets "offline, last seen unknown" — never "online". A user always sees themself.
/// </summary>
internal sealed class PresencePrivacy(IPresenceStore presence, IContactPolicy contacts)
{
    /// <summary>The presence of <paramref name="raw"/>'s user as <paramref name="viewerId"/> may see it.</summary>
    /// <param name="raw">The raw presence.</param>
    /// <param name="viewerId">Who looks.</param>
    /// <param name="cancellationToken">Cancels the lookups.</param>
    /// <returns>The visible presence.</returns>
    public async ValueTask<PresenceInfo> ViewAsync(PresenceChange raw, string viewerId, CancellationToken cancellationToken)
    {
        if (!string.Equals(raw.UserId, viewerId, StringComparison.Ordinal))
        {
            var visibility = await presence.GetVisibilityAsync(raw.UserId, cancellationToken).ConfigureAwait(false);
            var visible = visibility switch
            {
                PresenceVisibility.Everyone => true,
                PresenceVisibility.Contacts => await contacts.IsContactAsync(raw.UserId, viewerId, cancellationToken).ConfigureAwait(false),
                _ => false,
            };
            if (!visible)
            {
                return new PresenceInfo(raw.UserId, PresenceStatus.Offline, null);
            }
        }

        return raw.Status == PresenceStatus.Online
            ? new PresenceInfo(raw.UserId, PresenceStatus.Online, null)
            : new PresenceInfo(raw.UserId, PresenceStatus.Offline, raw.LastSeen);
    }

    /// <summary>Reads a user's current presence and applies the viewer's view.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="viewerId">Who looks.</param>
    /// <param name="cancellationToken">Cancels the lookups.</param>
    /// <returns>The visible presence.</returns>
    public async ValueTask<PresenceInfo> GetAsync(string userId, string viewerId, CancellationToken cancellationToken)
    {
        var raw = await presence.GetAsync(userId, cancellationToken).ConfigureAwait(false);
        return await ViewAsync(raw, viewerId, cancellationToken).ConfigureAwait(false);
    }
}
