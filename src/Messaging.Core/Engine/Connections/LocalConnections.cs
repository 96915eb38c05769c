using System.Collections.Immutable;

namespace Messaging;

/// <summary>The live connections of this node, by user. Reads are lock-free snapshots (the backplane handlers read).</summary>
internal sealed class LocalConnections
{
    private readonly Lock _gate = new();
    private ImmutableDictionary<string, ImmutableArray<ConnectionPipeline>> _byUser = ImmutableDictionary.Create<string, ImmutableArray<ConnectionPipeline>>(StringComparer.Ordinal);

    /// <summary>Adds a connection.</summary>
    /// <param name="pipeline">The connection's pipeline.</param>
    /// <returns>How many connections the user has on this node now.</returns>
    public int Add(ConnectionPipeline pipeline)
    {
        lock (_gate)
        {
            var connections = _byUser.GetValueOrDefault(pipeline.UserId, []).Add(pipeline);
            _byUser = _byUser.SetItem(pipeline.UserId, connections);
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
            var connections = _byUser.GetValueOrDefault(pipeline.UserId, []).Remove(pipeline);
            _byUser = connections.IsEmpty ? _byUser.Remove(pipeline.UserId) : _byUser.SetItem(pipeline.UserId, connections);
            return connections.Length;
        }
    }

    /// <summary>The user's connections on this node.</summary>
    /// <param name="userId">The user.</param>
    /// <returns>A snapshot, empty when none.</returns>
    public ImmutableArray<ConnectionPipeline> ForUser(string userId) => Volatile.Read(ref _byUser).GetValueOrDefault(userId, []);

    /// <summary>Whether the user has a connection on this node.</summary>
    /// <param name="userId">The user.</param>
    /// <returns><see langword="true"/> when connected here.</returns>
    public bool IsConnected(string userId) => Volatile.Read(ref _byUser).ContainsKey(userId);

    /// <summary>Every connection on this node.</summary>
    /// <returns>A snapshot.</returns>
    public IReadOnlyList<ConnectionPipeline> All() => [.. Volatile.Read(ref _byUser).Values.SelectMany(c => c)];
}
