using System.Globalization;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json.Serialization;
using Messaging.LoadGen.Measurement;

namespace Messaging.LoadGen.Proxy;

/// <summary>
/// <c>LoadGen redis-proxy --upstream HOST:PORT [--delay-ms D]</c>: runs a <see cref="RedisDelayProxy"/> until stopped
/// (Ctrl+C or SIGTERM) and prints <c>listening redis 127.0.0.1:PORT control http://127.0.0.1:PORT</c>, which bench/run.sh
/// reads; the bench servers then connect to the proxy's port instead of Redis.
/// </summary>
internal static class RedisProxyCommand
{
    public const string Name = "redis-proxy";

    public const string Usage = "usage: LoadGen redis-proxy --upstream HOST:PORT [--delay-ms D]   (loopback only)";

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        string? upstream = null;
        var delayMs = 0.0;
        for (var i = 0; i + 1 < args.Count; i += 2)
        {
            switch (args[i])
            {
                case "--upstream":
                    upstream = args[i + 1];
                    break;
                case "--delay-ms":
                    delayMs = double.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                default:
                    Console.Error.WriteLine($"Unknown option {args[i]}.");
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }

        if (upstream is null || args.Count % 2 != 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var endpoint = RedisServerStats.ParseLoopbackEndpoint(upstream, "upstream");
        await using var proxy = new RedisDelayProxy(endpoint, TimeSpan.FromMilliseconds(delayMs));
        proxy.Start();
        using var stopped = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stopped.Cancel();
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            stopped.Cancel();
        });
        Console.WriteLine($"listening redis {proxy.Endpoint} control http://{proxy.ControlEndpoint} (upstream {endpoint}, pid {Environment.ProcessId})");
        try
        {
            await Task.Delay(Timeout.Infinite, stopped.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        return 0;
    }
}

/// <summary>The counters of a <see cref="RedisDelayProxy"/> in another process, read over its control endpoint.</summary>
internal sealed record ProxyStats
{
    [JsonPropertyName("commands")]
    public long Commands { get; init; }

    [JsonPropertyName("script_calls")]
    public long ScriptCalls { get; init; }

    [JsonPropertyName("delay_ms")]
    public double DelayMs { get; init; }

    public static async Task<ProxyStats> FetchAsync(HttpClient control, CancellationToken cancellationToken) =>
        await control.GetFromJsonAsync<ProxyStats>("stats", cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException("The proxy answered no stats.");

    public static async Task SetDelayAsync(HttpClient control, TimeSpan delay, CancellationToken cancellationToken)
    {
        using var response = await control.GetAsync("delay?ms=" + delay.TotalMilliseconds.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }
}
