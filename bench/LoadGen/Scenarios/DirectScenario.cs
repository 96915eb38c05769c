using Messaging.LoadGen.Cli;
using Messaging.LoadGen.Measurement;
using Messaging.LoadGen.Targets;

namespace Messaging.LoadGen.Scenarios;

/// <summary><c>direct</c>: N pairs chatting 1:1, each user sending to its partner.</summary>
internal static class DirectScenario
{
    public static async Task<ScenarioResult> RunAsync(IChatTarget target, LoadGenOptions options, CancellationToken cancellationToken)
    {
        var prefix = Connector.RunPrefix();
        var users = Enumerable.Range(0, options.Pairs).SelectMany(i => new[] { $"{prefix}a{i}", $"{prefix}b{i}" }).ToArray();
        TrafficDriver? driver = null;
        var sink = new ForwardingSink(() => driver);
        var connections = await Connector.ConnectAllAsync(target, users, _ => sink, options.Sources, cancellationToken).ConfigureAwait(false);
        try
        {
            var senders = new List<SenderSpec>(users.Length);
            for (var i = 0; i < users.Length; i++)
            {
                var partner = i ^ 1;
                var route = await target.DirectRouteAsync(users[i], users[partner], cancellationToken).ConfigureAwait(false);
                senders.Add(new SenderSpec(connections[i], route, Group: false, Recipients: 1));
            }

            driver = new TrafficDriver(senders, options.Rate, options.Window, options.PayloadSize);
            var traffic = await driver.RunAsync(options.Warmup, options.Duration, ct => target.StatsAsync(collect: false, ct), cancellationToken).ConfigureAwait(false);
            return Results.FromTraffic(options, traffic) with { Pairs = options.Pairs, Connections = users.Length, Senders = senders.Count };
        }
        finally
        {
            await Connector.CloseAllAsync(connections).ConfigureAwait(false);
        }
    }
}

/// <summary>Hands deliveries to a driver created after the connections were opened (deliveries before that are ignored).</summary>
internal sealed class ForwardingSink(Func<IDeliverySink?> current) : IDeliverySink
{
    public void OnMessage(string payload) => current()?.OnMessage(payload);
}

/// <summary>Shapes results common to the traffic scenarios.</summary>
internal static class Results
{
    public static ScenarioResult Base(LoadGenOptions options) => new()
    {
        Scenario = options.Scenario.ToString().ToLowerInvariant(),
        Target = options.Target.ToString().ToLowerInvariant(),
        Label = options.Label.Length == 0 ? null : options.Label,
        Round = options.Round,
    };

    public static ScenarioResult FromTraffic(LoadGenOptions options, TrafficResult traffic) => Base(options) with
    {
        Mode = options.Saturate ? "saturate" : "rate",
        OfferedRate = traffic.OfferedRate,
        DurationS = Math.Round(traffic.Seconds, 3),
        Sent = traffic.SentMeasured,
        Delivered = traffic.Delivered,
        DeliveredPerSec = Math.Round(traffic.Delivered / traffic.Seconds, 1),
        Undelivered = traffic.Undelivered,
        LatencyMs = traffic.Latency,
        ServerAllocPerDeliveryBytes = traffic.ServerAllocPerDelivery,
        ServerCpuPerDeliveryUs = traffic.ServerCpuPerDelivery,
    };
}
