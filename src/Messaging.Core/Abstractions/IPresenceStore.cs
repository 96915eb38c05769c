namespace Messaging;

/// <summary>A user going online or offline.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Status">The new status.</param>
/// <param name="LastSeen">For offline: the last time any device was active.</param>
public readonly record struct PresenceChange(string UserId, PresenceStatus Status, DateTimeOffset? LastSeen);

/// <summary>
/// Per-device presence leases and each user's last seen and visibility. A user is online while any device holds an
/// unexpired lease. Guarantee: each online and each offline transition is reported exactly once, either by
/// <see cref="TouchAsync"/> (online) or by <see cref="ExpireAsync"/> (offline), also with several nodes sweeping.
/// </summary>
public interface IPresenceStore
{
    /// <summary>Extends or creates a device's lease.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="deviceId">The device.</param>
    /// <param name="activeAt">When the device was last active (the user's last seen if this is the last lease).</param>
    /// <param name="expiresAt">When the lease lapses unless touched again.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The online change when the user was offline before, else <see langword="null"/>.</returns>
    ValueTask<PresenceChange?> TouchAsync(string userId, string deviceId, DateTimeOffset activeAt, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    /// <summary>Removes lapsed leases and reports the users who thereby went offline.</summary>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The offline changes, each with the user's last seen.</returns>
    ValueTask<IReadOnlyList<PresenceChange>> ExpireAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>A user's raw presence (no privacy applied).</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Online/offline and last seen.</returns>
    ValueTask<PresenceChange> GetAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Who may see a user's presence.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The visibility, <see cref="PresenceVisibility.Everyone"/> by default.</returns>
    ValueTask<PresenceVisibility> GetVisibilityAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Sets who may see a user's presence.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="visibility">The visibility.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when stored.</returns>
    ValueTask SetVisibilityAsync(string userId, PresenceVisibility visibility, CancellationToken cancellationToken = default);
}
