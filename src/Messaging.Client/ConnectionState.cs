namespace Messaging.Client;

/// <summary>The state of a <see cref="MessagingClient"/>'s WebSocket connection.</summary>
public enum ConnectionState
{
    /// <summary>Not connected: before <see cref="MessagingClient.ConnectAsync"/>, after disposal, or after reconnecting gave up.</summary>
    Disconnected,

    /// <summary><see cref="MessagingClient.ConnectAsync"/> is opening the first connection.</summary>
    Connecting,

    /// <summary>Connected; frames flow.</summary>
    Connected,

    /// <summary>The connection dropped; the client is waiting to retry or retrying.</summary>
    Reconnecting,
}
