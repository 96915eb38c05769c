namespace Messaging;

/// <summary>Validation of a send request against the configured limits (after authorisation).</summary>
internal static class SendValidator
{
    /// <summary>Throws when the request is malformed or too large.</summary>
    /// <param name="request">The request.</param>
    /// <param name="options">The limits.</param>
    /// <exception cref="MessagingValidationException"><c>bad_request</c> or <c>too_large</c>.</exception>
    public static void Validate(SendMessageRequest request, MessagingOptions options)
    {
        if (request.Content is null)
        {
            throw Validation.BadRequest("The message content is required (it may be empty for media).");
        }

        if (request.Content.Length > options.MaxContentLength)
        {
            throw new MessagingValidationException(MessagingErrorKind.TooLarge, $"The message content exceeds {options.MaxContentLength} characters.");
        }

        if (string.IsNullOrWhiteSpace(request.ClientMsgId) || request.ClientMsgId.Length > options.MaxClientMsgIdLength)
        {
            throw Validation.BadRequest($"client_msg_id must be 1..{options.MaxClientMsgIdLength} non-blank characters.");
        }

        if (request.MediaId is not null)
        {
            Validation.RequireId(request.MediaId, "media_id");
        }
        else if (request.Content.Length == 0)
        {
            throw Validation.BadRequest("A message needs content or media.");
        }
    }
}
