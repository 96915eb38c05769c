using System.Diagnostics;
using Messaging.LoadGen.Cli;
using Messaging.LoadGen.Measurement;
using Messaging.LoadGen.Proxy;

namespace Messaging.LoadGen.Scenarios;

/// <summary>
/// <c>redis-idle</c>: no client at all; the Redis commands per second that <c>--gateways</c> idle servers issue on their
/// own (presence sweeps, keep-alives, whatever runs on a timer), read from <c>INFO commandstats</c> over
/// <c>--duration</c> after <c>--warmup</c>. Run with 1 and with several gateways, it shows whether background work grows
/// with the number of gateways.
/// </summary>
internal static class RedisIdleScenario
{
    public static async Task<ScenarioResult> RunAsync(LoadGenOptions options, CancellationToken cancellationToken)
    {
        var redis = options.Redis ?? throw new ArgumentException("The redis-idle scenario needs --redis HOST:PORT.");
        using var control = options.RedisProxy is { } proxy ? new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = proxy } : null;
        await Task.Delay(options.Warmup, cancellationToken).ConfigureAwait(false);
        var before = await RedisServerStats.FetchAsync(redis, cancellationToken).ConfigureAwait(false);
        var proxyBefore = control is null ? null : await ProxyStats.FetchAsync(control, cancellationToken).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(options.Duration, cancellationToken).ConfigureAwait(false);
        var after = await RedisServerStats.FetchAsync(redis, cancellationToken).ConfigureAwait(false);
        var proxyAfter = control is null ? null : await ProxyStats.FetchAsync(control, cancellationToken).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return TrafficScenario.Base(options) with
        {
            Gateways = options.Gateways ?? 1,
            Connections = 0,
            DurationS = Math.Round(seconds, 3),
            Redis = ScenarioResult.Usage(after - before, proxyAfter?.Commands - proxyBefore?.Commands, seconds)! with { Per = "second" },
        };
    }
}
