using System.Text.Json.Serialization;
using Messaging.Protocol.Serialization;

namespace Messaging.Protocol;

/// <summary>A message's receipt status for its sender: <c>sent</c>, <c>delivered</c> or <c>read</c> on the wire.</summary>
[JsonConverter(typeof(WireEnumConverter<DeliveryStatus>))]
public enum DeliveryStatus
{
    /// <summary><c>sent</c>: stored by the server.</summary>
    Sent,

    /// <summary><c>delivered</c>: reached a device of the recipient (in a group: of every other member).</summary>
    Delivered,

    /// <summary><c>read</c>: read by the recipient (in a group: by every other member).</summary>
    Read,
}

/// <summary>What a message carries: <c>text</c>, <c>media</c> or <c>system</c> (membership changes) on the wire.</summary>
[JsonConverter(typeof(WireEnumConverter<MessageKind>))]
public enum MessageKind
{
    /// <summary><c>text</c>: a text message (also assumed when a message has no <c>kind</c>).</summary>
    Text,

    /// <summary><c>media</c>: a message referencing uploaded media.</summary>
    Media,

    /// <summary><c>system</c>: a membership change written by the server (for example <c>alice added bob</c>).</summary>
    System,
}

/// <summary>A user's presence: <c>online</c> or <c>offline</c> on the wire.</summary>
[JsonConverter(typeof(WireEnumConverter<PresenceState>))]
public enum PresenceState
{
    /// <summary><c>offline</c>: no device connected, or hidden by privacy.</summary>
    Offline,

    /// <summary><c>online</c>: at least one device connected or heartbeating.</summary>
    Online,
}

/// <summary>The kind of a conversation: <c>direct</c> or <c>group</c> on the wire.</summary>
[JsonConverter(typeof(WireEnumConverter<ConversationType>))]
public enum ConversationType
{
    /// <summary><c>direct</c>: exactly two users.</summary>
    Direct,

    /// <summary><c>group</c>: a named conversation with admins and members.</summary>
    Group,
}

/// <summary>A member's role: <c>member</c> or <c>admin</c> on the wire.</summary>
[JsonConverter(typeof(WireEnumConverter<ConversationRole>))]
public enum ConversationRole
{
    /// <summary><c>member</c>: an ordinary member.</summary>
    Member,

    /// <summary><c>admin</c>: may add and remove members.</summary>
    Admin,
}

/// <summary>Who may see a user's presence and last seen: <c>everyone</c>, <c>contacts</c> or <c>nobody</c> on the wire.</summary>
[JsonConverter(typeof(WireEnumConverter<LastSeenVisibility>))]
public enum LastSeenVisibility
{
    /// <summary><c>everyone</c>.</summary>
    Everyone,

    /// <summary><c>contacts</c>: users the server's contact policy accepts.</summary>
    Contacts,

    /// <summary><c>nobody</c>.</summary>
    Nobody,
}

/// <summary>The <c>code</c> values of <c>error</c> frames and REST error bodies.</summary>
public static class ErrorCodes
{
    /// <summary>Malformed or invalid input (HTTP 400).</summary>
    public const string BadRequest = "bad_request";

    /// <summary>Does not exist, or the caller may not see it (HTTP 404); the two are indistinguishable on purpose.</summary>
    public const string NotFound = "not_found";

    /// <summary>The caller may see it but not do this (HTTP 403).</summary>
    public const string Forbidden = "forbidden";

    /// <summary>Content over a size limit (HTTP 413).</summary>
    public const string TooLarge = "too_large";

    /// <summary>Too many requests (HTTP 429).</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>A server-side failure (HTTP 500).</summary>
    public const string Internal = "internal";

    /// <summary>The caller is not authenticated (HTTP 401; REST only).</summary>
    public const string Unauthorized = "unauthorized";
}

/// <summary>WebSocket close status codes the server uses (RFC 6455 section 7.4.1).</summary>
public static class CloseCodes
{
    /// <summary>1000: the connection finished its purpose.</summary>
    public const int NormalClosure = 1000;

    /// <summary>1001: the server is shutting down.</summary>
    public const int EndpointUnavailable = 1001;

    /// <summary>1003: the client sent a binary frame; the protocol uses text frames only.</summary>
    public const int InvalidMessageType = 1003;

    /// <summary>1008: the client broke a policy (idle timeout, too slow to read its frames).</summary>
    public const int PolicyViolation = 1008;

    /// <summary>1009: a frame was larger than the server accepts.</summary>
    public const int MessageTooBig = 1009;

    /// <summary>1011: an unexpected server failure.</summary>
    public const int InternalServerError = 1011;

    /// <summary>1013: the server is overloaded; reconnect later and resume by catch-up.</summary>
    public const int TryAgainLater = 1013;
}

/// <summary>The <c>type</c> values of the frames.</summary>
public static class FrameTypes
{
    /// <summary><c>message</c>: a message to send (client) or a delivered message (server).</summary>
    public const string Message = "message";

    /// <summary><c>typing</c>: typing started or stopped.</summary>
    public const string Typing = "typing";

    /// <summary><c>ack</c>: delivered or read receipts (client).</summary>
    public const string Ack = "ack";

    /// <summary><c>sync</c>: request catch-up (client).</summary>
    public const string Sync = "sync";

    /// <summary><c>presence_subscribe</c>: subscribe to users' presence (client).</summary>
    public const string PresenceSubscribe = "presence_subscribe";

    /// <summary><c>ping</c>: keep-alive and presence heartbeat (client).</summary>
    public const string Ping = "ping";

    /// <summary><c>status_update</c>: a receipt status of a message the user sent (server).</summary>
    public const string StatusUpdate = "status_update";

    /// <summary><c>presence</c>: a subscribed user's presence (server).</summary>
    public const string Presence = "presence";

    /// <summary><c>sync_complete</c>: catch-up finished (server).</summary>
    public const string SyncComplete = "sync_complete";

    /// <summary><c>error</c>: a request failed (server).</summary>
    public const string Error = "error";

    /// <summary><c>pong</c>: the answer to <c>ping</c> (server).</summary>
    public const string Pong = "pong";
}
