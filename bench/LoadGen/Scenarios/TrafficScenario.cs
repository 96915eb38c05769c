using Messaging.LoadGen.Cli;
using Messaging.LoadGen.Measurement;
using Messaging.LoadGen.Targets;

namespace Messaging.LoadGen.Scenarios;

/// <summary>
/// The skeleton of the traffic scenarios: connect every user, let the scenario pick its senders, drive them through
/// warm-up, measurement and drain, and drop every connection whatever happened.
/// </summary>
internal static class TrafficScenario
{
    public static async Task<ScenarioResult> RunAsync(
        IChatTarget target,
        LoadGenOptions options,
        IReadOnlyList<string> users,
        Func<IChatConnection[], CancellationToken, Task<IReadOnlyList<SenderSpec>>> chooseSenders,
        CancellationToken cancellationToken)
    {
        TrafficDriver? driver = null;
        var sink = new ForwardingSink(() => driver);
        var connections = await Connector.ConnectAllAsync(target, users, _ => sink, options.Sources, cancellationToken).ConfigureAwait(false);
        try
        {
            var senders = await chooseSenders(connections, cancellationToken).ConfigureAwait(false);
            driver = new TrafficDriver(senders, options.Rate, options.Window, options.PayloadSize);
            var traffic = await driver.RunAsync(options.Warmup, options.Duration, ct => target.StatsAsync(collect: false, ct), cancellationToken).ConfigureAwait(false);
            return Shape(options, traffic) with { Connections = users.Count, Senders = senders.Count };
        }
        finally
        {
            await Connector.CloseAllAsync(connections).ConfigureAwait(false);
        }
    }

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
        LatencyMs = traffic.Latency,
        ServerAllocPerDeliveryBytes = traffic.ServerAllocPerDelivery,
        ServerCpuPerDeliveryUs = traffic.ServerCpuPerDelivery,
        ClientCpuPerDeliveryUs = traffic.ClientCpuPerDelivery,
    };
}

/// <summary>Hands deliveries to a driver created after the connections were opened (deliveries before that are ignored).</summary>
internal sealed class ForwardingSink(Func<IDeliverySink?> current) : IDeliverySink
{
    public void OnMessage(string payload) => current()?.OnMessage(payload);
}
