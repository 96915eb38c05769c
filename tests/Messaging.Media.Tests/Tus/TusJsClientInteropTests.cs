using System.Net;
using System.Text.Json;

namespace Messaging.Media.Tests.Tus;

/// <summary>Interoperability with the real tus-js-client (npm), driven through Node (<c>tests/tools/tus-upload.cjs</c>).</summary>
public sealed class TusJsClientInteropTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Multi_megabyte_upload_interrupted_and_resumed_by_tus_js_client_downloads_with_the_same_sha256()
    {
        if (NodeTools.MissingReason("tus-js-client") is { } reason)
        {
            Console.WriteLine($"tus-js-client interoperability skipped: {reason}");
            Assert.Skip(reason);
        }

        await using var media = await MediaServer.StartAsync();
        var data = Files.Png(8 * 1024 * 1024);
        var file = Path.Combine(Path.GetTempPath(), $"tus-{Guid.NewGuid():N}.png");
        await File.WriteAllBytesAsync(file, data, Ct);
        try
        {
            var endpoint = new Uri(media.Server.BaseUri, "media/uploads").ToString();
            const int CutAfter = 2 * 1024 * 1024;
            var output = await NodeTools.RunAsync(TimeSpan.FromMinutes(2), "tus-upload.cjs", endpoint, file, "alice", "image/png", CutAfter.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var result = JsonDocument.Parse(output);
            var url = new Uri(result.RootElement.GetProperty("url").GetString()!);
            var resumedFrom = result.RootElement.GetProperty("resumedFrom").GetInt64();

            // The first PATCH really was cut off: the server kept what arrived before the drop, and the client resumed there.
            Assert.InRange(resumedFrom, 1, CutAfter);
            using var alice = media.Client("alice");
            using var download = await alice.DownloadAsync(url.Segments[^1]);
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal(Files.Sha256(data), Files.Sha256(await download.Content.ReadAsByteArrayAsync(Ct)));
            Assert.Equal(Path.GetFileName(file), download.Content.Headers.ContentDisposition!.FileNameStar);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
