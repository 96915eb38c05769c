using System.Net;
using System.Net.Http.Json;
using Messaging.Protocol;
using Messaging.Testing;

namespace Messaging.Media.Tests;

/// <summary>Chat steps the media tests share: a conversation over REST, a connected user, a download checked by hash.</summary>
internal static class MediaChat
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Connects a user over WebSocket and waits for the end of catch-up.</summary>
    public static async Task<ProtocolTestClient> ConnectReadyAsync(ChatServer server, string userId)
    {
        var client = await server.ConnectAsync(userId, cancellationToken: Ct);
        await client.WaitForAsync<SyncCompleteFrame>();
        return client;
    }

    public static async Task<string> CreateConversationAsync(ChatServer server, string userId, CreateConversationRequest request)
    {
        using var http = server.CreateHttpClient(userId);
        using var response = await http.PostAsJsonAsync("conversations", request, ProtocolJsonContext.Default.CreateConversationRequest, Ct);
        Assert.True(response.IsSuccessStatusCode, $"create conversation: {response.StatusCode}");
        var body = await response.Content.ReadFromJsonAsync(ProtocolJsonContext.Default.ConversationBody, Ct);
        return body!.ConversationId;
    }

    public static async Task AssertDownloadsAsync(MediaServer media, string userId, string mediaId, byte[] expected)
    {
        using var client = media.Client(userId);
        using var response = await client.DownloadAsync(mediaId);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Files.Sha256(expected), Files.Sha256(await response.Content.ReadAsByteArrayAsync(Ct)));
    }
}
