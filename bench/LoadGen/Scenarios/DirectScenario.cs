using Messaging.LoadGen.Cli;
using Messaging.LoadGen.Measurement;
using Messaging.LoadGen.Targets;

namespace Messaging.LoadGen.Scenarios;

/// <summary>
/// <c>direct</c>: N pairs chatting 1:1, each user sending to its partner. With two servers each pair is split (its first
/// user on the first server, its second on the other), so every message crosses the backplane.
/// </summary>
internal static class DirectScenario
{
    public static async Task<ScenarioResult> RunAsync(IReadOnlyList<IChatTarget> targets, LoadGenOptions options, CancellationToken cancellationToken, Action<bool>? measuring = null)
    {
        var target = targets[0];
        var prefix = Connector.RunPrefix();
        var users = Enumerable.Range(0, options.Pairs).SelectMany(i => new[] { $"{prefix}a{i}", $"{prefix}b{i}" }).ToArray();
        var result = await TrafficScenario.RunAsync(targets, options, users, async (connections, ct) =>
        {
            var senders = new List<SenderSpec>(users.Length);
            for (var i = 0; i < users.Length; i++)
            {
                // Users 2k and 2k+1 are partners.
                var route = await target.DirectRouteAsync(users[i], users[i ^ 1], ct).ConfigureAwait(false);
                senders.Add(new SenderSpec(connections[i], route, Group: false, Recipients: 1));
            }

            return senders;
        }, cancellationToken, measuring).ConfigureAwait(false);
        return result with { Pairs = options.Pairs };
    }
}
