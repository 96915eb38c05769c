using System.Net;
using Messaging.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Messaging.Media.Tests.Limits;

/// <summary>
/// Expiry of completed uploads never sent in a message, on a fake clock: bytes and record go after the TTL, media sent
/// in a message stay for good.
/// </summary>
public sealed class UploadExpiryTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromHours(24);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-03-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Completed_upload_never_sent_expires_after_the_ttl_leaving_no_bytes_no_record_and_no_quota_use()
    {
        await using var media = await StartAsync();
        using var alice = media.Client("alice");
        var mediaId = await alice.UploadAsync(Files.Png(5000), "unsent.png", "image/png");
        var service = media.Server.Services.GetRequiredService<MediaService>();

        _time.Advance(Ttl - TimeSpan.FromMinutes(1));
        Assert.Equal(0, await service.ExpireUploadsAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, (await alice.DownloadAsync(mediaId)).StatusCode);

        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await service.ExpireUploadsAsync(Ct));

        Assert.Equal(HttpStatusCode.NotFound, (await alice.DownloadAsync(mediaId)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.HeadAsync(mediaId)).StatusCode);
        Assert.Null(await media.Server.Services.GetRequiredService<IMediaCatalog>().GetAsync(mediaId, Ct));
        Assert.Equal(default, await media.Server.Services.GetRequiredService<IMediaCatalog>().GetUsageAsync("alice", Ct));
        Assert.Empty(media.StoredFiles());
    }

    [Fact]
    public async Task Media_sent_in_a_message_never_expires_and_an_expired_one_can_no_longer_be_sent()
    {
        await using var media = await StartAsync();
        var conversation = await MediaChat.CreateConversationAsync(media.Server, "alice", CreateConversationRequest.Direct("bob"));
        using var aliceHttp = media.Client("alice");
        var sentData = Files.Png(3000);
        var sent = await aliceHttp.UploadAsync(sentData, "sent.png", "image/png");
        var unsent = await aliceHttp.UploadAsync(Files.Png(3000), "unsent.png", "image/png");
        await using (var before = await MediaChat.ConnectReadyAsync(media.Server, "alice"))
        {
            await before.SendAsync(new SendMessageFrame(conversation, string.Empty, "m-1", sent));
            await before.WaitForAsync<StatusUpdateFrame>(s => s.ClientMsgId == "m-1");
        }

        var service = media.Server.Services.GetRequiredService<MediaService>();
        _time.Advance(TimeSpan.FromDays(30));
        Assert.Equal(1, await service.ExpireUploadsAsync(Ct));

        // A connection opened after the advance (the fake clock's month would have timed out an idle one).
        await using var alice = await MediaChat.ConnectReadyAsync(media.Server, "alice");
        await alice.SendAsync(new SendMessageFrame(conversation, string.Empty, "m-2", unsent));

        Assert.Equal(ErrorCodes.NotFound, (await alice.WaitForAsync<ErrorFrame>(e => e.ClientMsgId == "m-2")).Code);
        await MediaChat.AssertDownloadsAsync(media, "bob", sent, sentData);
        await MediaChat.AssertDownloadsAsync(media, "alice", sent, sentData);
        Assert.Equal(0, await service.ExpireUploadsAsync(Ct));
        Assert.Equal([Path.Combine(media.Root, sent + ".blob")], media.StoredFiles());
    }

    [Fact]
    public async Task Abandoned_incomplete_upload_still_expires_after_its_own_ttl()
    {
        await using var media = await StartAsync();
        using var alice = media.Client("alice");
        var mediaId = await alice.CreateUploadAsync(10_000, "half.png", "image/png");
        using (var patch = await alice.PatchAsync(mediaId, 0, Files.Png(4000)))
        {
            Assert.Equal(HttpStatusCode.NoContent, patch.StatusCode);
        }

        var service = media.Server.Services.GetRequiredService<MediaService>();
        _time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(0, await service.ExpireUploadsAsync(Ct));
        _time.Advance(TimeSpan.FromHours(2));

        Assert.Equal(1, await service.ExpireUploadsAsync(Ct));
        Assert.Equal(HttpStatusCode.NotFound, (await alice.HeadAsync(mediaId)).StatusCode);
        Assert.Empty(media.StoredFiles());
    }

    // The hosted sweep's interval is far beyond any advance here, so only the test's own sweeps run.
    private Task<MediaServer> StartAsync() => MediaServer.StartAsync(
        o =>
        {
            o.UnsentUploadTtl = Ttl;
            o.AbandonedUploadTtl = TimeSpan.FromHours(3);
            o.ExpirySweepInterval = MediaOptions.MaxExpirySweepInterval;
        },
        s => s.AddSingleton<TimeProvider>(_time));
}
