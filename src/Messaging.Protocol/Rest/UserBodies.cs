namespace Messaging.Protocol;

/// <summary><c>GET /messages/{message_id}/receipts</c>: <c>{"message_id","receipts":[..]}</c> (sender only).</summary>
/// <param name="MessageId">The message.</param>
/// <param name="Receipts">One entry per other member.</param>
public sealed record ReceiptsBody(string MessageId, IReadOnlyList<ReceiptBody> Receipts);

/// <summary>One member's receipt: <c>{"user_id","delivered_at","read_at"}</c>.</summary>
/// <param name="UserId">The member.</param>
/// <param name="DeliveredAt">When the member's delivered mark passed the message, or <see langword="null"/>.</param>
/// <param name="ReadAt">When the member's read mark passed the message, or <see langword="null"/>.</param>
public sealed record ReceiptBody(string UserId, DateTimeOffset? DeliveredAt, DateTimeOffset? ReadAt);

/// <summary><c>GET /users/{id}/presence</c>: <c>{"user_id","status","last_seen"}</c>, subject to the user's privacy.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Status">Online or offline (offline when hidden).</param>
/// <param name="LastSeen">When the user was last online; <see langword="null"/> when online, unknown or hidden.</param>
public sealed record PresenceBody(string UserId, PresenceState Status, DateTimeOffset? LastSeen);

/// <summary><c>PUT /users/me/privacy</c>: <c>{"last_seen":"everyone|contacts|nobody"}</c>.</summary>
/// <param name="LastSeen">Who may see the caller's presence and last seen.</param>
public sealed record PrivacyRequest(LastSeenVisibility LastSeen);

/// <summary>Every REST error: <c>{"error":{"code","message"}}</c>.</summary>
/// <param name="Error">The error.</param>
public sealed record ErrorBody(ErrorDetail Error);

/// <summary>The inside of an <see cref="ErrorBody"/>.</summary>
/// <param name="Code">One of <see cref="ErrorCodes"/>.</param>
/// <param name="Message">A human-readable reason.</param>
public sealed record ErrorDetail(string Code, string Message);
