using System.Net;
using System.Net.Http.Json;
using Messaging.Protocol;
using Messaging.Testing;

namespace Messaging.Media.Tests.Messages;

/// <summary>Media sent in messages: recipients see its type, size and name, may download it; everyone else gets 404.</summary>
public sealed class MediaMessageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Media_sent_in_a_direct_chat_reaches_the_recipient_who_downloads_it_and_a_stranger_gets_404()
    {
        await using var media = await MediaServer.StartAsync();
        var conversation = await MediaChat.CreateConversationAsync(media.Server, "alice", CreateConversationRequest.Direct("bob"));
        using var aliceHttp = media.Client("alice");
        var data = Files.Png(200_000);
        var mediaId = await aliceHttp.UploadAsync(data, "sunset.png", "image/png");
        await using var alice = await MediaChat.ConnectReadyAsync(media.Server, "alice");
        await using var bob = await MediaChat.ConnectReadyAsync(media.Server, "bob");

        await alice.SendAsync(new SendMessageFrame(conversation, string.Empty, "m-1", mediaId));
        var received = await bob.WaitForAsync<MessageFrame>(m => m.Message.MediaId == mediaId);

        Assert.Equal(new MediaData("image/png", data.Length, "sunset.png"), received.Message.Media);
        await MediaChat.AssertDownloadsAsync(media, "bob", mediaId, data);
        Assert.Equal(HttpStatusCode.NotFound, (await media.Client("mallory").DownloadAsync(mediaId)).StatusCode);
    }

    [Fact]
    public async Task Media_sent_in_a_group_is_downloadable_by_every_member_and_by_nobody_else()
    {
        await using var media = await MediaServer.StartAsync();
        var conversation = await MediaChat.CreateConversationAsync(media.Server, "alice", CreateConversationRequest.Group("trip", ["bob", "carol"]));
        using var aliceHttp = media.Client("alice");
        var data = "packing list: tent, stove, map\n"u8.ToArray();
        var mediaId = await aliceHttp.UploadAsync(data, "list.txt", "text/plain");
        await using var alice = await MediaChat.ConnectReadyAsync(media.Server, "alice");
        await using var carol = await MediaChat.ConnectReadyAsync(media.Server, "carol");

        await alice.SendAsync(new SendMessageFrame(conversation, "the list", "m-1", mediaId));
        var received = await carol.WaitForAsync<MessageFrame>(m => m.Message.MediaId == mediaId);

        Assert.Equal(new MediaData("text/plain", data.Length, "list.txt"), received.Message.Media);
        await MediaChat.AssertDownloadsAsync(media, "bob", mediaId, data);
        await MediaChat.AssertDownloadsAsync(media, "carol", mediaId, data);
        Assert.Equal(HttpStatusCode.NotFound, (await media.Client("dave").DownloadAsync(mediaId)).StatusCode);
    }

    [Fact]
    public async Task History_over_rest_carries_the_media_description()
    {
        await using var media = await MediaServer.StartAsync();
        var conversation = await MediaChat.CreateConversationAsync(media.Server, "alice", CreateConversationRequest.Direct("bob"));
        using var aliceHttp = media.Client("alice");
        var mediaId = await aliceHttp.UploadAsync(Files.Png(64), "a.png", "image/png");
        await using var alice = await MediaChat.ConnectReadyAsync(media.Server, "alice");
        await alice.SendAsync(new SendMessageFrame(conversation, string.Empty, "m-1", mediaId));
        await alice.WaitForAsync<StatusUpdateFrame>(s => s.ClientMsgId == "m-1");

        using var bobHttp = media.Server.CreateHttpClient("bob");
        var page = await bobHttp.GetFromJsonAsync($"conversations/{conversation}/messages", ProtocolJsonContext.Default.MessagesPageBody, Ct);

        Assert.Equal(new MediaData("image/png", 64, "a.png"), Assert.Single(page!.Messages).Media);
    }

    [Fact]
    public async Task Media_of_another_user_or_an_unfinished_upload_cannot_be_sent_and_is_not_shared()
    {
        await using var media = await MediaServer.StartAsync();
        var conversation = await MediaChat.CreateConversationAsync(media.Server, "mallory", CreateConversationRequest.Direct("bob"));
        using var aliceHttp = media.Client("alice");
        var alicesMedia = await aliceHttp.UploadAsync(Files.Png(64), "private.png", "image/png");
        using var malloryHttp = media.Client("mallory");
        var unfinished = await malloryHttp.CreateUploadAsync(64, "half.png", "image/png");
        await using var mallory = await MediaChat.ConnectReadyAsync(media.Server, "mallory");

        await mallory.SendAsync(new SendMessageFrame(conversation, string.Empty, "steal", alicesMedia));
        await mallory.SendAsync(new SendMessageFrame(conversation, string.Empty, "early", unfinished));

        Assert.Equal(ErrorCodes.NotFound, (await mallory.WaitForAsync<ErrorFrame>(e => e.ClientMsgId == "steal")).Code);
        Assert.Equal(ErrorCodes.NotFound, (await mallory.WaitForAsync<ErrorFrame>(e => e.ClientMsgId == "early")).Code);
        Assert.Equal(HttpStatusCode.NotFound, (await media.Client("bob").DownloadAsync(alicesMedia)).StatusCode);
    }
}
