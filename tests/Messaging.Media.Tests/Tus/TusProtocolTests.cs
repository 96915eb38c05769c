using System.Net;
using System.Net.Http.Headers;

namespace Messaging.Media.Tests.Tus;

/// <summary>The tus 1.0 endpoints and the download endpoint on their happy paths.</summary>
public sealed class TusProtocolTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Discovery_advertises_the_version_extensions_and_maximum_size_without_authentication()
    {
        await using var media = await MediaServer.StartAsync(o => o.MaxUploadBytes = 12_345);
        using var anonymous = media.Client(null);

        using var response = await anonymous.Http.SendAsync(new HttpRequestMessage(HttpMethod.Options, TusClient.UploadsPath), Ct);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("1.0.0", response.Headers.GetValues("Tus-Resumable").Single());
        Assert.Equal("1.0.0", response.Headers.GetValues("Tus-Version").Single());
        Assert.Equal("creation,termination", response.Headers.GetValues("Tus-Extension").Single());
        Assert.Equal("12345", response.Headers.GetValues("Tus-Max-Size").Single());
    }

    [Fact]
    public async Task Upload_in_chunks_reports_its_offset_and_downloads_byte_for_byte()
    {
        await using var media = await MediaServer.StartAsync();
        using var alice = media.Client("alice");
        var data = Files.Png(100_000);

        using var created = await alice.CreateAsync(data.Length, "holiday.png", "image/png");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("1.0.0", created.Headers.GetValues("Tus-Resumable").Single());
        Assert.True(created.Headers.Location!.IsAbsoluteUri);
        var id = created.Headers.Location.Segments[^1];

        for (var offset = 0; offset < data.Length; offset += 30_000)
        {
            var chunk = data[offset..Math.Min(data.Length, offset + 30_000)];
            using var patched = await alice.PatchAsync(id, offset, chunk);
            Assert.Equal(HttpStatusCode.NoContent, patched.StatusCode);
            Assert.Equal((offset + chunk.Length).ToString(System.Globalization.CultureInfo.InvariantCulture), patched.Headers.GetValues("Upload-Offset").Single());
        }

        using var head = await alice.HeadAsync(id);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("100000", head.Headers.GetValues("Upload-Offset").Single());
        Assert.Equal("100000", head.Headers.GetValues("Upload-Length").Single());
        Assert.True(head.Headers.CacheControl!.NoStore);

        using var download = await alice.DownloadAsync(id);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(Files.Sha256(data), Files.Sha256(await download.Content.ReadAsByteArrayAsync(Ct)));
        Assert.Equal("image/png", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("inline", download.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("holiday.png", download.Content.Headers.ContentDisposition.FileNameStar);
    }

    [Fact]
    public async Task Head_reports_the_offset_of_a_partial_upload_so_a_client_resumes_there()
    {
        await using var media = await MediaServer.StartAsync();
        using var alice = media.Client("alice");
        var data = Files.Png(5000);
        var id = await alice.CreateUploadAsync(data.Length, "a.png", "image/png");
        (await alice.PatchAsync(id, 0, data[..1234])).Dispose();

        using var head = await alice.HeadAsync(id);
        using var rest = await alice.PatchAsync(id, 1234, data[1234..]);

        Assert.Equal("1234", head.Headers.GetValues("Upload-Offset").Single());
        Assert.Equal(HttpStatusCode.NoContent, rest.StatusCode);
        using var download = await alice.DownloadAsync(id);
        Assert.Equal(data, await download.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task Range_requests_return_206_with_the_bytes_and_416_outside_the_media()
    {
        await using var media = await MediaServer.StartAsync();
        using var alice = media.Client("alice");
        var data = Files.Png(10_000);
        var id = await alice.UploadAsync(data, "a.png", "image/png");

        using var middle = await alice.DownloadAsync(id, new RangeHeaderValue(100, 199));
        using var suffix = await alice.DownloadAsync(id, new RangeHeaderValue(null, 50));
        using var outside = await alice.DownloadAsync(id, new RangeHeaderValue(10_000, null));

        Assert.Equal(HttpStatusCode.PartialContent, middle.StatusCode);
        Assert.Equal("bytes 100-199/10000", middle.Content.Headers.ContentRange!.ToString());
        Assert.Equal(data[100..200], await middle.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(data[^50..], await suffix.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, outside.StatusCode);
        Assert.Equal("bytes */10000", outside.Content.Headers.ContentRange!.ToString());
    }

    [Fact]
    public async Task Media_other_than_raster_images_downloads_as_an_attachment()
    {
        await using var media = await MediaServer.StartAsync();
        using var alice = media.Client("alice");
        var id = await alice.UploadAsync("just some notes\n"u8.ToArray(), "notes.txt", "text/plain");

        using var download = await alice.DownloadAsync(id);

        Assert.Equal("attachment", download.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("sandbox", download.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Termination_deletes_the_upload_and_its_bytes()
    {
        await using var media = await MediaServer.StartAsync();
        using var alice = media.Client("alice");
        var id = await alice.CreateUploadAsync(1000, "a.png", "image/png");
        (await alice.PatchAsync(id, 0, Files.Png(500))).Dispose();

        using var deleted = await alice.DeleteAsync(id);
        using var head = await alice.HeadAsync(id);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Empty(media.StoredFiles());
    }

    [Fact]
    public async Task Another_user_gets_404_for_every_operation_on_an_upload()
    {
        await using var media = await MediaServer.StartAsync();
        using var alice = media.Client("alice");
        using var mallory = media.Client("mallory");
        var data = Files.Png(1000);
        var open = await alice.CreateUploadAsync(data.Length, "a.png", "image/png");
        var done = await alice.UploadAsync(data, "b.png", "image/png");

        Assert.Equal(HttpStatusCode.NotFound, (await mallory.HeadAsync(open)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await mallory.PatchAsync(open, 0, data)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await mallory.DeleteAsync(open)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await mallory.DownloadAsync(done)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await mallory.DownloadAsync(open)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alice.HeadAsync(open)).StatusCode);
    }
}
