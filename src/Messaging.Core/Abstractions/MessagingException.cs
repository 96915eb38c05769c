namespace Messaging;

/// <summary>Why an operation failed; maps one to one onto the wire protocol's error codes.</summary>
public enum MessagingErrorKind
{
    /// <summary>Malformed or invalid input (<c>bad_request</c>).</summary>
    BadRequest,

    /// <summary>Does not exist, or the caller may not see it (<c>not_found</c>).</summary>
    NotFound,

    /// <summary>The caller may see it but not do this (<c>forbidden</c>).</summary>
    Forbidden,

    /// <summary>Content over a size limit (<c>too_large</c>).</summary>
    TooLarge,

    /// <summary>Too many requests (<c>rate_limited</c>).</summary>
    RateLimited,

    /// <summary>A server-side failure (<c>internal</c>).</summary>
    Internal,
}

/// <summary>The base of every failure the SDK reports to its callers; backend exceptions are only inner exceptions.</summary>
public class MessagingException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">Why it failed.</param>
    /// <param name="message">A message safe to show to the client.</param>
    /// <param name="innerException">The backend failure, if any.</param>
    public MessagingException(MessagingErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    /// <summary>Why it failed.</summary>
    public MessagingErrorKind Kind { get; }
}

/// <summary>The conversation or message does not exist, or the caller is not allowed to see it (the two are indistinguishable on purpose).</summary>
public sealed class MessagingNotFoundException : MessagingException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">A message safe to show to the client.</param>
    public MessagingNotFoundException(string message)
        : base(MessagingErrorKind.NotFound, message)
    {
    }
}

/// <summary>Input failed validation.</summary>
public sealed class MessagingValidationException : MessagingException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind"><see cref="MessagingErrorKind.BadRequest"/> or <see cref="MessagingErrorKind.TooLarge"/>.</param>
    /// <param name="message">A message safe to show to the client.</param>
    public MessagingValidationException(MessagingErrorKind kind, string message)
        : base(kind, message)
    {
    }
}

/// <summary>The caller is a member but lacks the role for the operation.</summary>
public sealed class MessagingForbiddenException : MessagingException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">A message safe to show to the client.</param>
    public MessagingForbiddenException(string message)
        : base(MessagingErrorKind.Forbidden, message)
    {
    }
}

/// <summary>A backing store or backplane failed.</summary>
public sealed class MessagingBackendException : MessagingException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">A message safe to show to the client.</param>
    /// <param name="innerException">The backend failure.</param>
    public MessagingBackendException(string message, Exception innerException)
        : base(MessagingErrorKind.Internal, message, innerException)
    {
    }
}
