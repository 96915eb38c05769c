namespace Messaging;

/// <summary>
/// Resolves a message id a client names (acks by id, message info) to the stored message: the id index gives the
/// conversation and seq, the store the message there. An entry whose seq holds another message (a send that failed
/// after its id was recorded) reads as unknown.
/// </summary>
internal static class MessageIdLookup
{
    /// <summary>The message with this id, or <see langword="null"/> when the id is malformed or unknown.</summary>
    /// <param name="ids">The message id index.</param>
    /// <param name="messages">The message store.</param>
    /// <param name="messageId">The id the client sent.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The message, or <see langword="null"/>.</returns>
    public static async ValueTask<Message?> FindAsync(IMessageIdIndex ids, IMessageStore messages, string? messageId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(messageId) || messageId.Length > EngineLimits.MaxIdLength
            || await ids.FindAsync(messageId, cancellationToken).ConfigureAwait(false) is not { } location)
        {
            return null;
        }

        var message = await messages.GetAsync(location.ConversationId, location.Seq, cancellationToken).ConfigureAwait(false);
        return message is not null && string.Equals(message.MessageId, messageId, StringComparison.Ordinal) ? message : null;
    }
}
