namespace Messaging;

/// <summary>Device ids the engine keeps for itself; clients can never connect or heartbeat with them.</summary>
public static class ReservedDeviceIds
{
    /// <summary>
    /// The pseudo-device that holds a user's sender-side read mark. Sending a message advances the sender's own read
    /// mark (DESIGN §3: the user's unread count), which is recorded on this device rather than on the sending device,
    /// so a real device's delivered mark (its catch-up cursor) never moves past messages it has not received.
    /// </summary>
    public const string Sender = "~sender";

    /// <summary>The first character of every reserved device id.</summary>
    public const char Prefix = '~';

    /// <summary>Whether <paramref name="deviceId"/> is reserved for the engine.</summary>
    /// <param name="deviceId">A device id.</param>
    /// <returns><see langword="true"/> when clients may not use it.</returns>
    public static bool IsReserved(ReadOnlySpan<char> deviceId) => deviceId.Length > 0 && deviceId[0] == Prefix;
}
