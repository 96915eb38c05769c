using System.Collections.Concurrent;

namespace Messaging;

/// <summary>An <see cref="IPresenceStore"/> held in process memory: per-device leases, last seen and visibility.</summary>
/// <remarks>
/// <para>
/// Guarantees: a user is online from the first <see cref="TouchAsync"/> until an <see cref="ExpireAsync"/> finds all
/// of the user's leases lapsed (<c>expiresAt &lt;= now</c>); each online transition is returned by exactly one
/// <see cref="TouchAsync"/> call and each offline transition by exactly one <see cref="ExpireAsync"/> call, also with
/// several sweepers, with last seen = the latest <c>activeAt</c> of any of the user's devices. A touch replaces the
/// device's expiry (so a disconnect may shorten it to a grace period) and never moves its activity time backwards.
/// <see cref="GetAsync"/> reports the state as of the last sweep. Thread-safe; each user has their own lock, so
/// operations on different users never contend.
/// </para>
/// <para>Limits: one process only; everything is lost on restart (users then read as offline with no last seen).</para>
/// </remarks>
public sealed class InMemoryPresenceStore : IPresenceStore
{
    private readonly ConcurrentDictionary<string, UserPresence> _users = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<PresenceChange?> TouchAsync(string userId, string deviceId, DateTimeOffset activeAt, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(deviceId);
        cancellationToken.ThrowIfCancellationRequested();
        var user = GetOrAdd(userId);
        lock (user)
        {
            user.Leases[deviceId] = expiresAt;
            if (user.LastActiveAt is not { } last || activeAt > last)
            {
                user.LastActiveAt = activeAt;
            }

            if (user.Online)
            {
                return ValueTask.FromResult<PresenceChange?>(null);
            }

            user.Online = true;
            return ValueTask.FromResult<PresenceChange?>(new PresenceChange(userId, PresenceStatus.Online, null));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PresenceChange>> ExpireAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        List<PresenceChange>? changes = null;
        foreach (var (userId, user) in _users)
        {
            lock (user)
            {
                if (user.Leases.Count == 0)
                {
                    continue;
                }

                foreach (var (deviceId, expiresAt) in user.Leases)
                {
                    if (expiresAt <= now)
                    {
                        user.Leases.Remove(deviceId);
                    }
                }

                if (user.Leases.Count == 0 && user.Online)
                {
                    user.Online = false;
                    (changes ??= []).Add(new PresenceChange(userId, PresenceStatus.Offline, user.LastActiveAt));
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<PresenceChange>>(changes ?? []);
    }

    /// <inheritdoc />
    public ValueTask<PresenceChange> GetAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_users.TryGetValue(userId, out var user))
        {
            return ValueTask.FromResult(new PresenceChange(userId, PresenceStatus.Offline, null));
        }

        lock (user)
        {
            var change = user.Online
                ? new PresenceChange(userId, PresenceStatus.Online, null)
                : new PresenceChange(userId, PresenceStatus.Offline, user.LastActiveAt);
            return ValueTask.FromResult(change);
        }
    }

    /// <inheritdoc />
    public ValueTask<PresenceVisibility> GetVisibilityAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_users.TryGetValue(userId, out var user) ? user.Visibility : PresenceVisibility.Everyone);
    }

    /// <inheritdoc />
    public ValueTask SetVisibilityAsync(string userId, PresenceVisibility visibility, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        if (!Enum.IsDefined(visibility))
        {
            throw new ArgumentOutOfRangeException(nameof(visibility), visibility, "Unknown visibility.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        GetOrAdd(userId).Visibility = visibility;

        return ValueTask.CompletedTask;
    }

    private UserPresence GetOrAdd(string userId) => _users.GetOrAdd(userId, static _ => new UserPresence());

    private sealed class UserPresence
    {
        public Dictionary<string, DateTimeOffset> Leases { get; } = new(StringComparer.Ordinal);

        public bool Online { get; set; }

        public DateTimeOffset? LastActiveAt { get; set; }

        // An enum the size of an int: read and written whole without the lock.
        public PresenceVisibility Visibility { get; set; }
    }
}
