using Messaging.LoadGen.Targets;

namespace Messaging.LoadGen.Scenarios;

/// <summary>Opens many connections at once, a bounded number in flight, spread over the source addresses.</summary>
internal static class Connector
{
    private const int Parallelism = 32;

    public static Task<IChatConnection[]> ConnectAllAsync(
        IChatTarget target, IReadOnlyList<string> users, Func<int, IDeliverySink> sinkFor, int sources, CancellationToken cancellationToken) =>
        ConnectAllAsync([target], users, sinkFor, sources, cancellationToken);

    /// <summary>Connects user i to <c>targets[i % targets.Count]</c> (one server, or two gateways taking turns).</summary>
    public static async Task<IChatConnection[]> ConnectAllAsync(
        IReadOnlyList<IChatTarget> targets, IReadOnlyList<string> users, Func<int, IDeliverySink> sinkFor, int sources, CancellationToken cancellationToken)
    {
        var connections = new IChatConnection[users.Count];
        try
        {
            await Parallel.ForAsync(0, users.Count, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (i, ct) =>
                connections[i] = await targets[i % targets.Count].ConnectAsync(users[i], sinkFor(i), i % Math.Max(1, sources), ct).ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch
        {
            await CloseAllAsync(connections.Where(c => c is not null).ToArray()).ConfigureAwait(false);
            throw;
        }

        return connections;
    }

    /// <summary>Drops every connection (no close handshake: thousands of handshakes would only time the teardown).</summary>
    public static async Task CloseAllAsync(IReadOnlyList<IChatConnection> connections)
    {
        foreach (var connection in connections)
        {
            connection.Abort();
        }

        foreach (var connection in connections)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A run-unique user name prefix, so runs against one server never share users.</summary>
    public static string RunPrefix() => "u" + Guid.NewGuid().ToString("N")[..8];
}
