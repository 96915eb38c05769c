using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Messaging.Protocol;
using Microsoft.AspNetCore.Http;

namespace Messaging.Transports.AspNetCore;

/// <summary>Writes REST bodies with the protocol's source-generated JSON context.</summary>
internal static class RestResponses
{
    public static Task WriteErrorAsync(HttpContext context, int status, string code, string message) =>
        WriteJsonAsync(context, status, new ErrorBody(new ErrorDetail(code, message)), ProtocolJsonContext.Default.ErrorBody);

    public static Task WriteJsonAsync<T>(HttpContext context, int status, T body, JsonTypeInfo<T> typeInfo)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        return JsonSerializer.SerializeAsync(context.Response.Body, body, typeInfo, context.RequestAborted);
    }
}
