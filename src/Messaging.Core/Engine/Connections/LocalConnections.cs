using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace Messaging;

/// <summary>
/// The live connections of this node, by user. Reads are lock-free, each user's connections an immutable snapshot (the
/// backplane handlers read, once per recipient of every message: a hash look-up, not a walk of a tree); changes are
/// made one at a time.
/// </summary>
internal sealed class LocalConnections
{
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, ImmutableArray<ConnectionPipeline>> _byUser = new(StringComparer.Ordinal);

    /// <summary>Adds a connection.</summary>
    /// <param name="pipeline">The connection's pipeline.</param>
    /// <returns>How many connections the user has on this node now.</returns>
    public int Add(ConnectionPipeline pipeline)
    {
        lock (_gate)
        {
            var connections = ForUser(pipeline.UserId).Add(pipeline);
            _byUser[pipeline.UserId] = connections;
            return connections.Length;
        }
    }

    /// <summary>Removes a connection (no-op when absent).</summary>
    /// <param name="pipeline">The connection's pipeline.</param>
    /// <returns>How many connections the user has left on this node.</returns>
    public int Remove(ConnectionPipeline pipeline)
    {
        lock (_gate)
        {
            var connections = ForUser(pipeline.UserId).Remove(pipeline);
            if (connections.IsEmpty)
            {
                _byUser.TryRemove(pipeline.UserId, out _);
            }
            else
            {
                _byUser[pipeline.UserId] = connections;
            }

            return connections.Length;
        }
    }

    /// <summary>The user's connections on this node.</summary>
    /// <param name="userId">The user.</param>
    /// <returns>A snapshot, empty when none.</returns>
    public ImmutableArray<ConnectionPipeline> ForUser(string userId) => _byUser.TryGetValue(userId, out var connections) ? connections : [];

    /// <summary>Whether the user has a connection on this node.</summary>
    /// <param name="userId">The user.</param>
    /// <returns><see langword="true"/> when connected here.</returns>
    public bool IsConnected(string userId) => _byUser.ContainsKey(userId);

    /// <summary>Every connection on this node.</summary>
    /// <returns>A snapshot.</returns>
    public IReadOnlyList<ConnectionPipeline> All() => [.. _byUser.Values.SelectMany(c => c)];
}
