namespace Messaging;

/// <summary>A message a connected client wants to send.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="Content">The text (may be empty when <paramref name="MediaId"/> is given).</param>
/// <param name="ClientMsgId">The client's idempotency key: a repeat returns the original message.</param>
/// <param name="MediaId">An uploaded media id, if any.</param>
public sealed record SendMessageRequest(string ConversationId, string Content, string ClientMsgId, string? MediaId = null);

/// <summary>The committed message of a send.</summary>
/// <param name="Message">The stored message (for a duplicate: the original one, with its seq and id).</param>
/// <param name="Duplicate"><see langword="true"/> when the client message id had been used before and nothing new was stored.</param>
public readonly record struct SendResult(Message Message, bool Duplicate);
