namespace Messaging.Client;

/// <summary>A message the server stored: the result of <see cref="MessagingClient.SendAsync"/>.</summary>
/// <param name="ConversationId">The conversation.</param>
/// <param name="ClientMsgId">The idempotency key the client assigned.</param>
/// <param name="MessageId">The server-assigned message id.</param>
/// <param name="Seq">The message's seq in the conversation.</param>
/// <param name="Timestamp">When the server stored it (UTC).</param>
public sealed record SentMessage(string ConversationId, string ClientMsgId, string MessageId, long Seq, DateTimeOffset Timestamp);
