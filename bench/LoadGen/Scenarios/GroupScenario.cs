using Messaging.LoadGen.Cli;
using Messaging.LoadGen.Measurement;
using Messaging.LoadGen.Targets;

namespace Messaging.LoadGen.Scenarios;

/// <summary><c>group</c>: one group of <c>--group-size</c> connected members; <c>--senders</c> of them send to it.</summary>
internal static class GroupScenario
{
    public static async Task<ScenarioResult> RunAsync(IChatTarget target, LoadGenOptions options, CancellationToken cancellationToken)
    {
        var prefix = Connector.RunPrefix();
        var members = Enumerable.Range(0, options.GroupSize).Select(i => $"{prefix}m{i}").ToArray();
        TrafficDriver? driver = null;
        var sink = new ForwardingSink(() => driver);
        var connections = await Connector.ConnectAllAsync(target, members, _ => sink, options.Sources, cancellationToken).ConfigureAwait(false);
        try
        {
            var route = await target.CreateGroupAsync(prefix + "g", members, cancellationToken).ConfigureAwait(false);
            await Parallel.ForEachAsync(connections, cancellationToken, async (c, ct) => await c.JoinAsync(route, ct).ConfigureAwait(false)).ConfigureAwait(false);

            var senders = connections.Take(Math.Min(options.Senders, members.Length))
                .Select(c => new SenderSpec(c, route, Group: true, Recipients: members.Length - 1))
                .ToArray();
            driver = new TrafficDriver(senders, options.Rate, options.Window, options.PayloadSize);
            var traffic = await driver.RunAsync(options.Warmup, options.Duration, ct => target.StatsAsync(collect: false, ct), cancellationToken).ConfigureAwait(false);
            return Results.FromTraffic(options, traffic) with { GroupSize = members.Length, Connections = members.Length, Senders = senders.Length };
        }
        finally
        {
            await Connector.CloseAllAsync(connections).ConfigureAwait(false);
        }
    }
}
