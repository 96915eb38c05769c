using Messaging.Protocol;
using Microsoft.AspNetCore.Http;

namespace Messaging.Transports.AspNetCore;

/// <summary>Maps <see cref="MessagingErrorKind"/> onto wire error codes and HTTP statuses (DESIGN section 6).</summary>
internal static class ErrorMapping
{
    public static string Code(MessagingErrorKind kind) => kind switch
    {
        MessagingErrorKind.BadRequest => ErrorCodes.BadRequest,
        MessagingErrorKind.NotFound => ErrorCodes.NotFound,
        MessagingErrorKind.Forbidden => ErrorCodes.Forbidden,
        MessagingErrorKind.TooLarge => ErrorCodes.TooLarge,
        MessagingErrorKind.RateLimited => ErrorCodes.RateLimited,
        _ => ErrorCodes.Internal,
    };

    public static int HttpStatus(MessagingErrorKind kind) => kind switch
    {
        MessagingErrorKind.BadRequest => StatusCodes.Status400BadRequest,
        MessagingErrorKind.NotFound => StatusCodes.Status404NotFound,
        MessagingErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        MessagingErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        MessagingErrorKind.RateLimited => StatusCodes.Status429TooManyRequests,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The message shown to the client: the engine's own for its failures, a generic one for internal errors.</summary>
    public static string SafeMessage(MessagingException exception) =>
        exception.Kind == MessagingErrorKind.Internal ? "An internal error occurred." : exception.Message;
}
