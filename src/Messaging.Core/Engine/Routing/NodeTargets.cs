namespace Messaging;

/// <summary>
/// The other nodes a publish goes to, collected while its recipients are resolved. This node is never added (its
/// recipients are delivered without the backplane), and the set is only allocated once another node turns up, so a
/// publish whose recipients are all connected here (every publish of a single gateway) allocates nothing for it.
/// </summary>
/// <param name="self">This node's id.</param>
internal sealed class NodeTargets(string self)
{
    private HashSet<string>? _nodes;

    /// <summary>The nodes collected, or <see langword="null"/> when there are none.</summary>
    public IReadOnlyCollection<string>? Nodes => _nodes;

    /// <summary>Adds a node (ignored when it is this node or already added).</summary>
    /// <param name="nodeId">The node.</param>
    public void Add(string nodeId)
    {
        if (!string.Equals(nodeId, self, StringComparison.Ordinal))
        {
            (_nodes ??= new HashSet<string>(StringComparer.Ordinal)).Add(nodeId);
        }
    }

    /// <summary>Adds every node of <paramref name="nodeIds"/>.</summary>
    /// <param name="nodeIds">The nodes.</param>
    public void AddRange(IEnumerable<string> nodeIds)
    {
        foreach (var nodeId in nodeIds)
        {
            Add(nodeId);
        }
    }
}
