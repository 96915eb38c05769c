using System.Diagnostics;
using System.Text.Json;
using Messaging.Stores.S3;

namespace Messaging.Media.Tests;

/// <summary>
/// One <c>s3rver</c> (npm) on a free loopback port for the test class, with a bucket, in a temporary folder. When Node
/// or s3rver is missing, <see cref="SkipReason"/> says why and the tests skip with it.
/// </summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    public const string Bucket = "media";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "messaging-s3rver-" + Guid.NewGuid().ToString("N"));
    private Process? _process;

    /// <summary>Why the server is not available, or <see langword="null"/>.</summary>
    public string? SkipReason { get; private set; }

    /// <summary>The server's address.</summary>
    public Uri? ServiceUrl { get; private set; }

    /// <summary>Options for a store on this server (the settings DESIGN §7 found necessary for s3rver).</summary>
    public S3BlobStoreOptions StoreOptions() => new S3BlobStoreOptions
    {
        BucketName = Bucket,
        KeyPrefix = "media/",
        ServiceUrl = ServiceUrl,
        AccessKey = "S3RVER",
        SecretKey = "S3RVER",
    }.ForCompatibleServer();

    public async ValueTask InitializeAsync()
    {
        SkipReason = NodeTools.MissingReason("s3rver");
        if (SkipReason is not null)
        {
            Console.WriteLine($"S3 tests skipped: {SkipReason}");
            return;
        }

        Directory.CreateDirectory(_directory);
        _process = Process.Start(NodeTools.StartInfo("s3rver-server.cjs", _directory, Bucket)) ?? throw new InvalidOperationException("node did not start");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = await _process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line is null)
        {
            throw new InvalidOperationException("s3rver exited before listening: " + await _process.StandardError.ReadToEndAsync(timeout.Token));
        }

        var port = JsonDocument.Parse(line).RootElement.GetProperty("port").GetInt32();
        ServiceUrl = new Uri($"http://127.0.0.1:{port}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            // Closing stdin asks the script to stop; kill it when it does not.
            process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }

        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
