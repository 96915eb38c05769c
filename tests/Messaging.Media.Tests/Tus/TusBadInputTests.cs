using System.Net;

namespace Messaging.Media.Tests.Tus;

/// <summary>Bad input to the tus endpoints: each is answered with its documented status and leaves nothing behind.</summary>
public sealed class TusBadInputTests
{
    private static readonly byte[] Html = "<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"u8.ToArray();
    private static readonly byte[] Elf = [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00];
    private static readonly byte[] WindowsExe = [0x4D, 0x5A, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, byte[]> DisguisedFiles => new()
    {
        { "html", Html },
        { "html after whitespace", [.. "\r\n  "u8.ToArray(), .. Html] },
        { "ELF executable", Elf },
        { "Windows executable", WindowsExe },
    };

    [Theory]
    [InlineData(null)]
    [InlineData(3L)]
    [InlineData(500L)]
    public async Task Missing_or_wrong_upload_offset_is_409_and_writes_nothing(long? offset)
    {
        await using var media = await MediaServer.StartAsync();
        using var alice = media.Client("alice");
        var id = await alice.CreateUploadAsync(1000, "a.png", "image/png");
        (await alice.PatchAsync(id, 0, Files.Png(100))).Dispose();

        using var response = await alice.PatchAsync(id, offset, Files.Png(10));
        using var head = await alice.HeadAsync(id);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("100", head.Headers.GetValues("Upload-Offset").Single());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Chunk_past_the_declared_length_is_413_and_the_upload_is_deleted(bool knownLength)
    {
        await using var media = await MediaServer.StartAsync();
        using var alice = media.Client("alice");
        var id = await alice.CreateUploadAsync(1000, "a.png", "image/png");
        (await alice.PatchAsync(id, 0, Files.Png(400))).Dispose();

        using var response = await alice.PatchAsync(id, 400, Files.Png(601), knownLength);
        using var head = await alice.HeadAsync(id);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Empty(media.StoredFiles());
    }

    [Theory]
    [MemberData(nameof(DisguisedFiles))]
    public async Task Declared_image_that_is_really_html_or_an_executable_is_415_and_deleted(string what, byte[] bytes)
    {
        await using var media = await MediaServer.StartAsync();
        using var alice = media.Client("alice");
        var id = await alice.CreateUploadAsync(bytes.Length, "cat.png", "image/png");

        using var response = await alice.PatchAsync(id, 0, bytes);

        Assert.True(HttpStatusCode.UnsupportedMediaType == response.StatusCode, what);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.HeadAsync(id)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.DownloadAsync(id)).StatusCode);
        Assert.Empty(media.StoredFiles());
    }

    [Theory]
    [MemberData(nameof(DisguisedFiles))]
    public async Task Disguised_file_is_refused_at_its_first_chunk_before_the_rest_is_sent(string what, byte[] bytes)
    {
        await using var media = await MediaServer.StartAsync();
        using var alice = media.Client("alice");
        var head = new byte[1024];
        bytes.CopyTo(head, 0);
        var id = await alice.CreateUploadAsync(1_000_000, "cat.png", "image/png");

        using var response = await alice.PatchAsync(id, 0, head);

        Assert.True(HttpStatusCode.UnsupportedMediaType == response.StatusCode, what);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.HeadAsync(id)).StatusCode);
        Assert.Empty(media.StoredFiles());
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/octet-stream")]
    public async Task Html_or_an_executable_is_refused_whatever_generic_type_it_declares(string declared)
    {
        await using var media = await MediaServer.StartAsync();
        using var alice = media.Client("alice");

        foreach (var bytes in new[] { Html, Elf, WindowsExe })
        {
            var id = await alice.CreateUploadAsync(bytes.Length, "file", declared);
            using var response = await alice.PatchAsync(id, 0, bytes);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        }

        Assert.Empty(media.StoredFiles());
    }

    [Theory]
    [InlineData("text/html")]
    [InlineData("image/svg+xml")]
    [InlineData("application/x-msdownload")]
    [InlineData("not a type")]
    public async Task Types_outside_the_allow_list_are_415_at_creation_and_create_nothing(string declared)
    {
        await using var media = await MediaServer.StartAsync();
        using var alice = media.Client("alice");

        using var response = await alice.CreateAsync(100, "x", declared);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Empty(media.StoredFiles());
    }

    [Fact]
    public async Task Oversize_upload_is_413_at_creation_and_creates_nothing()
    {
        await using var media = await MediaServer.StartAsync(o => o.MaxUploadBytes = 1024);
        using var alice = media.Client("alice");

        using var response = await alice.CreateAsync(1025, "big.png", "image/png");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(media.StoredFiles());
    }

    [Theory]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("..\\..\\windows\\win.ini", "win.ini")]
    [InlineData("/absolute/path/photo.png", "photo.png")]
    [InlineData("a/b/\u0000ev\u202Eil\r\n.png", "evil.png")]
    [InlineData("../", "file")]
    [InlineData("..", "file")]
    public async Task Path_tricks_in_file_names_keep_only_a_clean_base_name(string fileName, string stored)
    {
        await using var media = await MediaServer.StartAsync();
        using var alice = media.Client("alice");

        var id = await alice.UploadAsync(Files.Png(64), fileName, "image/png");
        using var download = await alice.DownloadAsync(id);

        Assert.Equal(stored, download.Content.Headers.ContentDisposition!.FileNameStar);
        Assert.Equal([Path.Combine(media.Root, id + ".blob")], media.StoredFiles());
    }

    [Fact]
    public async Task Unauthenticated_requests_are_401_and_create_nothing()
    {
        await using var media = await MediaServer.StartAsync();
        using var alice = media.Client("alice");
        using var anonymous = media.Client(null);
        var id = await alice.UploadAsync(Files.Png(64), "a.png", "image/png");
        var before = media.StoredFiles();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.CreateAsync(64, "a.png", "image/png")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PatchAsync(id, 0, Files.Png(64))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.HeadAsync(id)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.DeleteAsync(id)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.DownloadAsync(id)).StatusCode);
        Assert.Equal(before, media.StoredFiles());
    }

    [Fact]
    public async Task Quota_of_open_uploads_is_429_until_one_completes()
    {
        await using var media = await MediaServer.StartAsync(o => o.MaxOpenUploadsPerUser = 2);
        using var alice = media.Client("alice");
        var data = Files.Png(64);
        var first = await alice.CreateUploadAsync(data.Length, "1.png", "image/png");
        await alice.CreateUploadAsync(data.Length, "2.png", "image/png");

        using var refused = await alice.CreateAsync(data.Length, "3.png", "image/png");
        (await alice.PatchAsync(first, 0, data)).Dispose();
        using var accepted = await alice.CreateAsync(data.Length, "3.png", "image/png");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await media.Client("bob").CreateAsync(data.Length, "b.png", "image/png")).StatusCode);
    }

    [Theory]
    [InlineData("0.2.2")]
    [InlineData(null)]
    public async Task Unsupported_or_missing_tus_version_is_412_and_creates_nothing(string? version)
    {
        await using var media = await MediaServer.StartAsync();
        using var alice = media.Client("alice");

        using var response = await alice.CreateAsync(64, "a.png", "image/png", tusVersion: version);

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Equal("1.0.0", response.Headers.GetValues("Tus-Version").Single());
        Assert.Empty(media.StoredFiles());
    }

    [Fact]
    public async Task Patch_body_of_another_content_type_is_415_and_writes_nothing()
    {
        await using var media = await MediaServer.StartAsync();
        using var alice = media.Client("alice");
        var id = await alice.CreateUploadAsync(64, "a.png", "image/png");

        using var response = await alice.PatchAsync(id, 0, Files.Png(64), contentType: "application/octet-stream");
        using var head = await alice.HeadAsync(id);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("0", head.Headers.GetValues("Upload-Offset").Single());
    }

    [Fact]
    public async Task Missing_length_or_malformed_metadata_is_400_and_creates_nothing()
    {
        await using var media = await MediaServer.StartAsync();
        using var alice = media.Client("alice");

        using var noLength = new HttpRequestMessage(HttpMethod.Post, TusClient.UploadsPath);
        noLength.Headers.Add("Tus-Resumable", "1.0.0");
        using var badMetadata = new HttpRequestMessage(HttpMethod.Post, TusClient.UploadsPath);
        badMetadata.Headers.Add("Tus-Resumable", "1.0.0");
        badMetadata.Headers.Add("Upload-Length", "10");
        badMetadata.Headers.Add("Upload-Metadata", "filename not*base64!");

        Assert.Equal(HttpStatusCode.BadRequest, (await alice.Http.SendAsync(noLength, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await alice.Http.SendAsync(badMetadata, Ct)).StatusCode);
        Assert.Empty(media.StoredFiles());
    }
}
