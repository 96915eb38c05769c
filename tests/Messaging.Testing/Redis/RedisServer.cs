using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;
using Xunit;

namespace Messaging.Testing;

/// <summary>
/// A private <c>redis-server</c> on a free loopback port with its own temporary directory. Killed and cleaned up on
/// dispose (and at process exit, should a test run be torn down without disposing it). Tests that need Redis are
/// skipped, with the reason printed, when no <c>redis-server</c> is installed.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly string? ServerPath = FindServer();

    private readonly string _directory;
    private readonly bool _persistent;
    private Process? _process;

    private RedisServer(int port, bool persistent)
    {
        Port = port;
        _persistent = persistent;
        _directory = Directory.CreateTempSubdirectory("messaging-redis-").FullName;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>Why Redis tests are skipped on this machine, or <see langword="null"/> when a server can run.</summary>
    public static string? UnavailableReason => ServerPath is null ? "redis-server is not installed (looked at MESSAGING_TEST_REDIS_SERVER, /usr/bin/redis-server and PATH)." : null;

    /// <summary>The server's port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>Skips the calling test when no <c>redis-server</c> is installed.</summary>
    public static void SkipWhenUnavailable()
    {
        if (UnavailableReason is { } reason)
        {
            TestContext.Current.TestOutputHelper?.WriteLine("Skipped: " + reason);
            Assert.Skip(reason);
        }
    }

    /// <summary>Starts a server.</summary>
    /// <param name="persistent">With an append-only file synced on every write (survives a restart); otherwise no persistence at all.</param>
    /// <returns>The running server.</returns>
    public static async Task<RedisServer> StartAsync(bool persistent = false)
    {
        SkipWhenUnavailable();
        var server = new RedisServer(FreePort(), persistent);
        try
        {
            await server.LaunchAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Connects a multiplexer that reconnects quickly after a restart (the caller disposes it).</summary>
    /// <param name="configure">Changes the test defaults, if needed.</param>
    /// <returns>The connection.</returns>
    public async Task<ConnectionMultiplexer> ConnectAsync(Action<ConfigurationOptions>? configure = null)
    {
        var options = ConfigurationOptions.Parse(ConnectionString);
        options.AbortOnConnectFail = false;
        options.AllowAdmin = true;
        options.ReconnectRetryPolicy = new LinearRetry(100);
        options.ConnectTimeout = 2_000;
        options.AsyncTimeout = 5_000;
        options.SyncTimeout = 5_000;
        configure?.Invoke(options);
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    /// <summary>Stops the server abruptly (SIGKILL, nothing flushed beyond what the configuration already synced) and starts it again on the same port and directory.</summary>
    /// <returns>A task that completes when the server accepts commands again.</returns>
    public async Task RestartAsync()
    {
        await KillAsync();
        await LaunchAsync();
    }

    /// <summary>Kills the server and deletes its directory.</summary>
    /// <returns>A task that completes when cleaned up.</returns>
    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        await KillAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException exception)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"Could not delete {_directory}: {exception.Message}");
        }
    }

    private static string? FindServer()
    {
        // MESSAGING_TEST_REDIS_SERVER names another binary (a path that does not exist disables the Redis tests).
        if (Environment.GetEnvironmentVariable("MESSAGING_TEST_REDIS_SERVER") is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : null;
        }

        if (File.Exists("/usr/bin/redis-server"))
        {
            return "/usr/bin/redis-server";
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "redis-server"))
            .FirstOrDefault(File.Exists);
    }

    // The OS picks a free port for a socket bound to port 0; Redis then binds that port (SO_REUSEADDR).
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private async Task LaunchAsync()
    {
        var start = new ProcessStartInfo(ServerPath!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory,
        };
        foreach (var argument in Arguments())
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        var log = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await RespondsToPingAsync())
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                string output;
                lock (log)
                {
                    output = log.ToString();
                }

                throw new InvalidOperationException($"redis-server on port {Port} did not become ready:{Environment.NewLine}{output}");
            }

            await Task.Delay(20);
        }
    }

    private IEnumerable<string> Arguments()
    {
        string[] common = ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _directory, "--save", string.Empty, "--daemonize", "no", "--loglevel", "warning"];
        string[] persistence = _persistent ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"];
        return common.Concat(persistence);
    }

    // Startup polling: the server is ready once it answers PING (this is the real readiness signal).
    private async Task<bool> RespondsToPingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private async Task KillAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private void OnProcessExit(object? sender, EventArgs e)
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
        }
    }
}
