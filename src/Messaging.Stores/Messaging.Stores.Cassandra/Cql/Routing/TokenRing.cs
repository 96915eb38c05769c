namespace Messaging.Stores.Cassandra.Cql.Routing;

/// <summary>
/// The tokens of the nodes this session knows, sorted: a token belongs to the node holding the smallest ring token at
/// or above it (wrapping round to the first), and its further replicas follow round the ring (the placement of
/// <c>SimpleStrategy</c>, and of <c>NetworkTopologyStrategy</c> within one datacenter).
/// </summary>
/// <typeparam name="THost">What a token names (a node).</typeparam>
internal sealed class TokenRing<THost>
    where THost : class
{
    private readonly long[] _tokens;
    private readonly THost[] _owners;

    /// <summary>Creates a ring of the nodes' tokens.</summary>
    /// <param name="tokens">Each node's tokens; a token named twice keeps its first node.</param>
    public TokenRing(IEnumerable<(long Token, THost Host)> tokens)
    {
        var sorted = new SortedDictionary<long, THost>();
        foreach (var (token, host) in tokens)
        {
            sorted.TryAdd(token, host);
        }

        _tokens = [.. sorted.Keys];
        _owners = [.. sorted.Values];
        Hosts = [.. _owners.Distinct()];
    }

    /// <summary>The nodes holding at least one token.</summary>
    public IReadOnlyList<THost> Hosts { get; }

    /// <summary>The nodes in the order of their replicas of a token: the owner first, then round the ring.</summary>
    /// <param name="token">The token (<see cref="Murmur3Token.Of"/> of a routing key).</param>
    /// <returns>Every node of the ring once.</returns>
    public IReadOnlyList<THost> ReplicasOf(long token)
    {
        if (_tokens.Length == 0)
        {
            return [];
        }

        var start = Array.BinarySearch(_tokens, token);
        if (start < 0)
        {
            start = ~start;
        }

        var replicas = new List<THost>(Hosts.Count);
        for (var i = 0; i < _owners.Length && replicas.Count < Hosts.Count; i++)
        {
            var owner = _owners[(start + i) % _owners.Length];
            if (!replicas.Contains(owner))
            {
                replicas.Add(owner);
            }
        }

        return replicas;
    }
}
