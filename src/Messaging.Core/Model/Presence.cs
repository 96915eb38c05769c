namespace Messaging;

/// <summary>Online or offline.</summary>
public enum PresenceStatus
{
    /// <summary>No device connected or heartbeating (after the grace period).</summary>
    Offline,

    /// <summary>At least one device connected or heartbeating.</summary>
    Online,
}

/// <summary>Who may see a user's presence and last seen.</summary>
public enum PresenceVisibility
{
    /// <summary>Every user.</summary>
    Everyone,

    /// <summary>Only contacts, as decided by the host's <see cref="IContactPolicy"/>.</summary>
    Contacts,

    /// <summary>Nobody.</summary>
    Nobody,
}

/// <summary>A user's presence as one viewer may see it.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Status">Online or offline (offline when hidden by privacy).</param>
/// <param name="LastSeen">When the user was last online; <see langword="null"/> when online, unknown or hidden.</param>
public sealed record PresenceInfo(string UserId, PresenceStatus Status, DateTimeOffset? LastSeen);
