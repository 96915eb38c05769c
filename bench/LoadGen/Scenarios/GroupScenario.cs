using Messaging.LoadGen.Cli;
using Messaging.LoadGen.Measurement;
using Messaging.LoadGen.Targets;

namespace Messaging.LoadGen.Scenarios;

/// <summary><c>group</c>: one group of <c>--group-size</c> connected members; <c>--senders</c> of them send to it.</summary>
internal static class GroupScenario
{
    public static async Task<ScenarioResult> RunAsync(IReadOnlyList<IChatTarget> targets, LoadGenOptions options, CancellationToken cancellationToken)
    {
        var target = targets[0];
        var prefix = Connector.RunPrefix();
        var members = Enumerable.Range(0, options.GroupSize).Select(i => $"{prefix}m{i}").ToArray();
        var result = await TrafficScenario.RunAsync(targets, options, members, async (connections, ct) =>
        {
            var route = await target.CreateGroupAsync(prefix + "g", members, ct).ConfigureAwait(false);
            await Parallel.ForEachAsync(connections, ct, async (c, token) => await c.JoinAsync(route, token).ConfigureAwait(false)).ConfigureAwait(false);
            return connections.Take(Math.Min(options.Senders, members.Length))
                .Select(c => new SenderSpec(c, route, Group: true, Recipients: members.Length - 1))
                .ToArray();
        }, cancellationToken).ConfigureAwait(false);
        return result with { GroupSize = members.Length };
    }
}
