using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Messaging.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Messaging.Transports.AspNetCore;

/// <summary>
/// One REST request: the authenticated caller, the engine, typed access to route, query and body, and the one place
/// that turns failures into <c>{"error":{"code","message"}}</c> bodies with the matching status.
/// </summary>
internal sealed class RestCall
{
    private readonly MessagingGatewayOptions _options;

    private RestCall(HttpContext context, MessagingEngine engine, MessagingGatewayOptions options, string userId)
    {
        Context = context;
        Engine = engine;
        _options = options;
        UserId = userId;
    }

    public HttpContext Context { get; }

    public MessagingEngine Engine { get; }

    /// <summary>The authenticated caller; never taken from the request body.</summary>
    public string UserId { get; }

    public CancellationToken Aborted => Context.RequestAborted;

    /// <summary>Wraps a handler: resolves the caller and maps every failure onto an error body.</summary>
    public static RequestDelegate Handle(Func<RestCall, Task> handler) => async context =>
    {
        var services = context.RequestServices;
        var options = services.GetRequiredService<IOptions<MessagingGatewayOptions>>().Value;
        var userId = Identifiers.UserIdOf(context.User, options.UserIdClaimType);
        if (userId is null)
        {
            await RestResponses.WriteErrorAsync(context, StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, "Authentication required.").ConfigureAwait(false);
            return;
        }

        try
        {
            await handler(new RestCall(context, services.GetRequiredService<MessagingEngine>(), options, userId)).ConfigureAwait(false);
        }
        catch (RestRequestException exception)
        {
            await RestResponses.WriteErrorAsync(context, exception.Status, exception.Code, exception.Message).ConfigureAwait(false);
        }
        catch (MessagingException exception)
        {
            await RestResponses.WriteErrorAsync(context, ErrorMapping.HttpStatus(exception.Kind), ErrorMapping.Code(exception.Kind), ErrorMapping.SafeMessage(exception)).ConfigureAwait(false);
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await RestResponses.WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, ErrorCodes.TooLarge, "Request body too large.").ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            services.GetRequiredService<ILogger<RestCall>>().RestFailed(context.Request.Method, context.Request.Path, exception);
            if (!context.Response.HasStarted)
            {
                await RestResponses.WriteErrorAsync(context, StatusCodes.Status500InternalServerError, ErrorCodes.Internal, "An internal error occurred.").ConfigureAwait(false);
            }
        }
    };

    public string Route(string name) =>
        Context.Request.RouteValues[name] as string ?? throw RestRequestException.BadRequest($"Missing route value {name}.");

    /// <summary>An optional integer query parameter; anything but an integer is a bad request.</summary>
    public long? QueryInt64(string name)
    {
        var value = Context.Request.Query[name].ToString();
        if (value.Length == 0)
        {
            return null;
        }

        return long.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? number
            : throw RestRequestException.BadRequest($"Query parameter {name} must be an integer.");
    }

    /// <summary>The <c>device_id</c> query parameter, <c>default</c> when absent.</summary>
    public string DeviceId()
    {
        var deviceId = Context.Request.Query["device_id"].ToString();
        if (deviceId.Length == 0)
        {
            return Identifiers.DefaultDeviceId;
        }

        return Identifiers.IsValidDeviceId(deviceId)
            ? deviceId
            : throw RestRequestException.BadRequest("device_id must be 1-64 letters, digits or - _ . :");
    }

    /// <summary>Reads a JSON body of at most <see cref="MessagingGatewayOptions.MaxFrameBytes"/>.</summary>
    public async Task<T> ReadBodyAsync<T>(JsonTypeInfo<T> typeInfo)
        where T : class
    {
        if (Context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = _options.MaxFrameBytes;
        }

        try
        {
            return await JsonSerializer.DeserializeAsync(Context.Request.Body, typeInfo, Aborted).ConfigureAwait(false)
                ?? throw RestRequestException.BadRequest("A JSON object body is required.");
        }
        catch (JsonException exception)
        {
            throw RestRequestException.BadRequest($"Invalid JSON body: {exception.Message}");
        }
    }

    public Task WriteAsync<T>(int status, T body, JsonTypeInfo<T> typeInfo) => RestResponses.WriteJsonAsync(Context, status, body, typeInfo);

    public void NoContent() => Context.Response.StatusCode = StatusCodes.Status204NoContent;
}

/// <summary>A request the gateway itself rejects before it reaches the engine.</summary>
internal sealed class RestRequestException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    public static RestRequestException BadRequest(string message) => new(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, message);
}
