using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Messaging.Protocol;
using Messaging.Testing;

namespace Messaging.Transports.AspNetCore.Tests;

/// <summary>Fresh user ids, so tests sharing one server never see each other's data.</summary>
internal static class Users
{
    public static string New(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 13)];
}

/// <summary>REST calls with the protocol's JSON context, returning the status with the body.</summary>
internal static class Rest
{
    public static async Task<(HttpStatusCode Status, T? Body)> GetAsync<T>(HttpClient client, string path, JsonTypeInfo<T> typeInfo)
    {
        using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
        return (response.StatusCode, await ReadAsync(response, typeInfo));
    }

    public static async Task<(HttpStatusCode Status, TResponse? Body)> SendAsync<TRequest, TResponse>(
        HttpClient client, HttpMethod method, string path, TRequest request, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType)
    {
        using var message = new HttpRequestMessage(method, path) { Content = Json(JsonSerializer.Serialize(request, requestType)) };
        using var response = await client.SendAsync(message, TestContext.Current.CancellationToken);
        return (response.StatusCode, await ReadAsync(response, responseType));
    }

    public static async Task<(HttpStatusCode Status, ErrorBody? Error)> SendRawAsync(HttpClient client, HttpMethod method, string path, string? json = null)
    {
        using var message = new HttpRequestMessage(method, path) { Content = json is null ? null : Json(json) };
        using var response = await client.SendAsync(message, TestContext.Current.CancellationToken);
        return (response.StatusCode, response.IsSuccessStatusCode ? null : await ReadAsync(response, ProtocolJsonContext.Default.ErrorBody));
    }

    public static async Task<ConversationBody> CreateDirectAsync(ChatServer server, string userId, string otherUserId)
    {
        using var client = server.CreateHttpClient(userId);
        var (status, body) = await SendAsync(client, HttpMethod.Post, "conversations", CreateConversationRequest.Direct(otherUserId), ProtocolJsonContext.Default.CreateConversationRequest, ProtocolJsonContext.Default.ConversationBody);
        Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"create direct: {status}");
        return body!;
    }

    public static async Task<ConversationBody> CreateGroupAsync(ChatServer server, string adminId, string name, params string[] members)
    {
        using var client = server.CreateHttpClient(adminId);
        var (status, body) = await SendAsync(client, HttpMethod.Post, "conversations", CreateConversationRequest.Group(name, members), ProtocolJsonContext.Default.CreateConversationRequest, ProtocolJsonContext.Default.ConversationBody);
        Assert.Equal(HttpStatusCode.Created, status);
        return body!;
    }

    public static async Task<IReadOnlyList<MessageData>> MessagesAsync(ChatServer server, string userId, string conversationId, string query = "")
    {
        using var client = server.CreateHttpClient(userId);
        var (status, body) = await GetAsync(client, $"conversations/{conversationId}/messages{query}", ProtocolJsonContext.Default.MessagesPageBody);
        Assert.Equal(HttpStatusCode.OK, status);
        return body!.Messages;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

    private static async Task<T?> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> typeInfo)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        if (text.Length == 0)
        {
            return default;
        }

        try
        {
            return JsonSerializer.Deserialize(text, typeInfo);
        }
        catch (JsonException exception)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode} body is not a {typeof(T).Name}: {text}", exception);
        }
    }
}

/// <summary>Protocol steps shared by the WebSocket tests.</summary>
internal static class Wire
{
    /// <summary>Connects and waits for the initial catch-up to finish, so later frames are live ones.</summary>
    public static async Task<ProtocolTestClient> ConnectReadyAsync(ChatServer server, string userId, string? deviceId = null)
    {
        var client = await server.ConnectAsync(userId, deviceId, TestContext.Current.CancellationToken);
        await client.WaitForAsync<SyncCompleteFrame>();
        return client;
    }

    /// <summary>Sends a message and waits for its <c>sent</c> status.</summary>
    public static async Task<StatusUpdateFrame> SendAsync(ProtocolTestClient client, string conversationId, string content, string? clientMsgId = null)
    {
        clientMsgId ??= Guid.NewGuid().ToString("N");
        await client.SendAsync(new SendMessageFrame(conversationId, content, clientMsgId));
        return await client.WaitForAsync<StatusUpdateFrame>(s => s.ClientMsgId == clientMsgId && s.Status == DeliveryStatus.Sent);
    }

    /// <summary>Opens a handshake the server is expected to refuse; returns the refusal's status and headers.</summary>
    public static async Task<(HttpStatusCode Status, IReadOnlyDictionary<string, IEnumerable<string>> Headers)> RefusedHandshakeAsync(Uri uri, Action<ClientWebSocketOptions>? configure = null)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        configure?.Invoke(socket.Options);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, TestContext.Current.CancellationToken));
        return (socket.HttpStatusCode, socket.HttpResponseHeaders ?? new Dictionary<string, IEnumerable<string>>());
    }

    /// <summary>Waits for the answer to the frame with <paramref name="clientMsgId"/>: its sent status or its error.</summary>
    public static Task<ServerFrame> AnswerToAsync(ProtocolTestClient client, string clientMsgId) =>
        client.WaitForAsync<ServerFrame>(f => f is StatusUpdateFrame { Status: DeliveryStatus.Sent } s && s.ClientMsgId == clientMsgId
            || f is ErrorFrame e && e.ClientMsgId == clientMsgId);
}
