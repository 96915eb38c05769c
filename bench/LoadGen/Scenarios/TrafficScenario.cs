using Messaging.LoadGen.Cli;
using Messaging.LoadGen.Measurement;
using Messaging.LoadGen.Targets;

namespace Messaging.LoadGen.Scenarios;

/// <summary>
/// The skeleton of the traffic scenarios: connect every user, let the scenario pick its senders, drive them through
/// warm-up, measurement and drain, and drop every connection whatever happened. With two servers (<c>--server2</c>,
/// two gateways sharing a backplane) user i connects to server i mod 2, and server CPU, allocations and JIT counters
/// are the sum of both processes.
/// </summary>
internal static class TrafficScenario
{
    public static async Task<ScenarioResult> RunAsync(
        IReadOnlyList<IChatTarget> targets,
        LoadGenOptions options,
        IReadOnlyList<string> users,
        Func<IChatConnection[], CancellationToken, Task<IReadOnlyList<SenderSpec>>> chooseSenders,
        CancellationToken cancellationToken,
        Action<bool>? measuring = null)
    {
        TrafficDriver? driver = null;
        var sink = new ForwardingSink(() => driver);
        var connections = await Connector.ConnectAllAsync(targets, users, _ => sink, options.Sources, cancellationToken).ConfigureAwait(false);
        try
        {
            var senders = await chooseSenders(connections, cancellationToken).ConfigureAwait(false);
            driver = new TrafficDriver(senders, options.Rate, options.Window, options.PayloadSize, measuring);
            var traffic = await driver.RunAsync(options.WarmupPolicy, options.Duration, ct => StatsAsync(targets, ct), RedisStats(options), cancellationToken).ConfigureAwait(false);
            return Shape(options, traffic) with
            {
                Connections = users.Count,
                Senders = senders.Count,
                Gateways = targets.Count > 1 ? targets.Count : null,
            };
        }
        finally
        {
            await Connector.CloseAllAsync(connections).ConfigureAwait(false);
        }
    }

    /// <summary>The servers' own stats, summed over every server of the run.</summary>
    public static async Task<ServerStats?> StatsAsync(IReadOnlyList<IChatTarget> targets, CancellationToken cancellationToken)
    {
        var stats = new ServerStats?[targets.Count];
        for (var i = 0; i < targets.Count; i++)
        {
            stats[i] = await targets[i].StatsAsync(collect: false, cancellationToken).ConfigureAwait(false);
        }

        return ServerStats.Sum(stats);
    }

    /// <summary>Reads Redis's command counters when the run was given <c>--redis</c>.</summary>
    public static Func<CancellationToken, Task<RedisServerStats>>? RedisStats(LoadGenOptions options) =>
        options.Redis is { } redis ? ct => RedisServerStats.FetchAsync(redis, ct) : null;

    /// <summary>The fields every result has.</summary>
    public static ScenarioResult Base(LoadGenOptions options) => new()
    {
        Scenario = options.Scenario.ToString().ToLowerInvariant(),
        Target = options.Name,
        Label = options.Label.Length == 0 ? null : options.Label,
        Round = options.Round,
    };

    private static ScenarioResult Shape(LoadGenOptions options, TrafficResult traffic) => Base(options) with
    {
        Mode = options.Saturate ? "saturate" : "rate",
        OfferedRate = traffic.OfferedRate,
        DurationS = Math.Round(traffic.Seconds, 3),
        Sent = traffic.SentMeasured,
        Delivered = traffic.Delivered,
        DeliveredPerSec = Math.Round(traffic.Delivered / traffic.Seconds, 1),
        Undelivered = traffic.Undelivered,
        Rejected = traffic.Rejected,
        LatencyMs = traffic.Latency,
        ServerAllocPerDeliveryBytes = traffic.ServerAllocPerDelivery,
        ServerCpuPerDeliveryUs = traffic.ServerCpuPerDelivery,
        ClientCpuPerDeliveryUs = traffic.ClientCpuPerDelivery,
        WarmupS = traffic.Warmup?.Seconds,
        JitSettled = traffic.Warmup is { Checked: true } warmup ? warmup.Settled : null,
        JitMethodsMeasured = traffic.JitMethodsMeasured,
        JitMsMeasured = traffic.JitMsMeasured,
        Redis = ScenarioResult.Usage(traffic.RedisStats, sentCommands: null, traffic.Delivered),
    };
}

/// <summary>Hands deliveries to a driver created after the connections were opened (deliveries before that are ignored).</summary>
internal sealed class ForwardingSink(Func<IDeliverySink?> current) : IDeliverySink
{
    public void OnMessage(string payload) => current()?.OnMessage(payload);

    public void OnRejected(string code, string? sendId) => current()?.OnRejected(code, sendId);
}
