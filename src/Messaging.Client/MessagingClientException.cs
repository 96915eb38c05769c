using System.Net;

namespace Messaging.Client;

/// <summary>
/// A request of <see cref="MessagingClient"/> failed: the server answered with an error (an <c>error</c> frame or a
/// REST error body), or the client could not do it (see <see cref="ClientErrorCodes"/>).
/// </summary>
public sealed class MessagingClientException : Exception
{
    /// <summary>Creates an exception with the code <see cref="ClientErrorCodes.ConnectionFailed"/>.</summary>
    public MessagingClientException()
        : this(ClientErrorCodes.ConnectionFailed, "The messaging request failed.")
    {
    }

    /// <summary>Creates an exception with the code <see cref="ClientErrorCodes.ConnectionFailed"/>.</summary>
    /// <param name="message">The reason.</param>
    public MessagingClientException(string message)
        : this(ClientErrorCodes.ConnectionFailed, message)
    {
    }

    /// <summary>Creates an exception with the code <see cref="ClientErrorCodes.ConnectionFailed"/>.</summary>
    /// <param name="message">The reason.</param>
    /// <param name="innerException">The underlying failure.</param>
    public MessagingClientException(string message, Exception? innerException)
        : this(ClientErrorCodes.ConnectionFailed, message, statusCode: null, innerException)
    {
    }

    /// <summary>Creates an exception.</summary>
    /// <param name="code">
    /// The error code: one of <c>Messaging.Protocol.ErrorCodes</c> when the server answered, else one of
    /// <see cref="ClientErrorCodes"/>.
    /// </param>
    /// <param name="message">The reason.</param>
    /// <param name="statusCode">The HTTP status of a failed REST call or WebSocket handshake, if any.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public MessagingClientException(string code, string message, HttpStatusCode? statusCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        Code = code;
        StatusCode = statusCode;
    }

    /// <summary>
    /// The error code: a server code from <c>Messaging.Protocol.ErrorCodes</c> (<c>not_found</c>, <c>forbidden</c>,
    /// <c>too_large</c>, ...) or a client code from <see cref="ClientErrorCodes"/>.
    /// </summary>
    public string Code { get; }

    /// <summary>The HTTP status of a failed REST call or WebSocket handshake; <see langword="null"/> otherwise.</summary>
    public HttpStatusCode? StatusCode { get; }
}

/// <summary>The <see cref="MessagingClientException.Code"/> values the client itself produces.</summary>
public static class ClientErrorCodes
{
    /// <summary>The connection or the HTTP request could not be made (network, handshake refused, timeout).</summary>
    public const string ConnectionFailed = "connection_failed";

    /// <summary>The outbox already holds <see cref="MessagingClientOptions.MaxOutboxMessages"/> unacknowledged messages.</summary>
    public const string OutboxFull = "outbox_full";

    /// <summary>The server sent something the client could not understand.</summary>
    public const string ProtocolError = "protocol_error";
}
