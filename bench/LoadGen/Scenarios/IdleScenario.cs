using Messaging.LoadGen.Cli;
using Messaging.LoadGen.Measurement;
using Messaging.LoadGen.Targets;

namespace Messaging.LoadGen.Scenarios;

/// <summary>
/// <c>idle</c>: <c>--connections</c> connections that only send heartbeats, opened from <c>--sources</c> loopback
/// addresses. The server reports its own memory (after a full GC) before and after; the difference per connection
/// is the cost of an idle connection.
/// </summary>
internal static class IdleScenario
{
    public static async Task<ScenarioResult> RunAsync(IChatTarget target, LoadGenOptions options, CancellationToken cancellationToken)
    {
        var before = await target.StatsAsync(collect: true, cancellationToken).ConfigureAwait(false)
            ?? throw new NotSupportedException("The idle scenario needs the server's GET /bench/stats.");
        var prefix = Connector.RunPrefix();
        var users = Enumerable.Range(0, options.Connections).Select(i => $"{prefix}i{i}").ToArray();
        var sink = new ForwardingSink(static () => null);
        var connections = await Connector.ConnectAllAsync(target, users, _ => sink, options.Sources, cancellationToken).ConfigureAwait(false);
        try
        {
            // One heartbeat round, as clients send every 30 seconds, then hold.
            await Parallel.ForEachAsync(connections, cancellationToken, async (c, ct) => await c.PingAsync(ct).ConfigureAwait(false)).ConfigureAwait(false);
            await Task.Delay(options.Hold, cancellationToken).ConfigureAwait(false);
            var after = await target.StatsAsync(collect: true, cancellationToken).ConfigureAwait(false) ?? before;
            var held = connections.Count(c => c.IsOpen);
            return TrafficScenario.Base(options) with
            {
                Connections = options.Connections,
                Held = held,
                DurationS = options.Hold.TotalSeconds,
                RssPerConnBytes = Math.Round((double)(after.RssBytes - before.RssBytes) / options.Connections, 1),
                GcHeapPerConnBytes = Math.Round((double)(after.GcHeapBytes - before.GcHeapBytes) / options.Connections, 1),
            };
        }
        finally
        {
            await Connector.CloseAllAsync(connections).ConfigureAwait(false);
        }
    }
}
