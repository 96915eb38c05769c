using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Messaging.Protocol;

namespace Messaging.Client.Rest;

/// <summary>
/// Calls the REST API with the protocol's source-generated JSON metadata. Authenticates every request with a fresh
/// token and turns error responses (<c>{"error":{"code","message"}}</c>) into <see cref="MessagingClientException"/>.
/// Thread-safe.
/// </summary>
internal sealed class RestClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly Func<CancellationToken, ValueTask<string>>? _accessTokenProvider;

    /// <summary>Creates a REST client.</summary>
    /// <param name="baseUri">The normalised server base address.</param>
    /// <param name="handler">A caller-owned handler, or <see langword="null"/> for an own one.</param>
    /// <param name="accessTokenProvider">Supplies the bearer token, if any.</param>
    public RestClient(Uri baseUri, HttpMessageHandler? handler, Func<CancellationToken, ValueTask<string>>? accessTokenProvider)
    {
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = baseUri;
        _accessTokenProvider = accessTokenProvider;
    }

    /// <summary>Sends a request without a body and reads a JSON response.</summary>
    /// <typeparam name="TResponse">The response body type.</typeparam>
    /// <param name="method">The HTTP method.</param>
    /// <param name="path">The path relative to the base address.</param>
    /// <param name="response">The response body's metadata.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The response body.</returns>
    public async Task<TResponse> SendAsync<TResponse>(HttpMethod method, string path, JsonTypeInfo<TResponse> response, CancellationToken cancellationToken)
    {
        using var reply = await ExchangeAsync(method, path, content: null, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(method, path, reply, response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a JSON request and reads a JSON response.</summary>
    /// <typeparam name="TRequest">The request body type.</typeparam>
    /// <typeparam name="TResponse">The response body type.</typeparam>
    /// <param name="method">The HTTP method.</param>
    /// <param name="path">The path relative to the base address.</param>
    /// <param name="body">The request body.</param>
    /// <param name="request">The request body's metadata.</param>
    /// <param name="response">The response body's metadata.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The response body.</returns>
    public async Task<TResponse> SendAsync<TRequest, TResponse>(HttpMethod method, string path, TRequest body, JsonTypeInfo<TRequest> request, JsonTypeInfo<TResponse> response, CancellationToken cancellationToken)
    {
        using var reply = await ExchangeAsync(method, path, JsonContent.Create(body, request), cancellationToken).ConfigureAwait(false);
        return await ReadAsync(method, path, reply, response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a JSON request whose response body does not matter.</summary>
    /// <typeparam name="TRequest">The request body type.</typeparam>
    /// <param name="method">The HTTP method.</param>
    /// <param name="path">The path relative to the base address.</param>
    /// <param name="body">The request body.</param>
    /// <param name="request">The request body's metadata.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Completes when the server accepted the request.</returns>
    public async Task SendAsync<TRequest>(HttpMethod method, string path, TRequest body, JsonTypeInfo<TRequest> request, CancellationToken cancellationToken)
    {
        using var reply = await ExchangeAsync(method, path, JsonContent.Create(body, request), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a prepared request with the bearer token; returns the response whatever its status (the caller disposes it).</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The response.</returns>
    public async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_accessTokenProvider is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await _accessTokenProvider(cancellationToken).ConfigureAwait(false));
        }

        return await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The failure an error response stands for (the server's code and message when it sent an error body).</summary>
    /// <param name="reply">The error response.</param>
    /// <param name="cancellationToken">Cancels reading the body.</param>
    /// <returns>The exception to throw.</returns>
    public static Task<MessagingClientException> ErrorOfAsync(HttpResponseMessage reply, CancellationToken cancellationToken) =>
        ReadErrorAsync(reply.RequestMessage?.Method ?? HttpMethod.Get, reply.RequestMessage?.RequestUri?.ToString() ?? string.Empty, reply, cancellationToken);

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    // Returns a successful response; turns failures into MessagingClientException.
    private async Task<HttpResponseMessage> ExchangeAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (_accessTokenProvider is not null)
        {
            var token = await _accessTokenProvider(cancellationToken).ConfigureAwait(false);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        HttpResponseMessage reply;
        try
        {
            reply = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new MessagingClientException(ClientErrorCodes.ConnectionFailed, $"{method} {path} failed: {ex.Message}", ex.StatusCode, ex);
        }

        if (reply.IsSuccessStatusCode)
        {
            return reply;
        }

        using (reply)
        {
            throw await ReadErrorAsync(method, path, reply, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<TResponse> ReadAsync<TResponse>(HttpMethod method, string path, HttpResponseMessage reply, JsonTypeInfo<TResponse> response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await reply.Content.ReadFromJsonAsync(response, cancellationToken).ConfigureAwait(false);
            return body ?? throw new JsonException("The response body is null.");
        }
        catch (JsonException ex)
        {
            throw new MessagingClientException(ClientErrorCodes.ProtocolError, $"{method} {path} returned an unreadable body: {ex.Message}", reply.StatusCode, ex);
        }
    }

    private static async Task<MessagingClientException> ReadErrorAsync(HttpMethod method, string path, HttpResponseMessage reply, CancellationToken cancellationToken)
    {
        ErrorDetail? detail = null;
        try
        {
            var body = await reply.Content.ReadFromJsonAsync(ProtocolJsonContext.Default.ErrorBody, cancellationToken).ConfigureAwait(false);
            detail = body?.Error;
        }
        catch (JsonException)
        {
            // Proxies and the host's own middleware answer with bodies of their own; the status code still says enough.
            detail = null;
        }

        var code = detail?.Code ?? CodeOf(reply.StatusCode);
        var message = detail?.Message ?? $"{method} {path} returned {(int)reply.StatusCode} {reply.ReasonPhrase}.";
        return new MessagingClientException(code, message, reply.StatusCode);
    }

    private static string CodeOf(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => ErrorCodes.BadRequest,
        HttpStatusCode.Unauthorized => ErrorCodes.Unauthorized,
        HttpStatusCode.Forbidden => ErrorCodes.Forbidden,
        HttpStatusCode.NotFound => ErrorCodes.NotFound,
        HttpStatusCode.RequestEntityTooLarge => ErrorCodes.TooLarge,
        HttpStatusCode.TooManyRequests => ErrorCodes.RateLimited,
        _ => ErrorCodes.Internal,
    };
}
