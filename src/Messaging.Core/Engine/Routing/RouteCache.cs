using System.Collections.Concurrent;

namespace Messaging;

/// <summary>
/// This node's cache of routes: which nodes hold a user's connections, and which nodes follow a read-path
/// conversation. Misses are read from the connection directory in one batch call per publish.
/// </summary>
/// <remarks>
/// Invalidation is by age alone: an entry is used for at most <see cref="MessagingOptions.RouteCacheTtl"/> (on the
/// engine's <see cref="TimeProvider"/>) counted from before the directory read that filled it. So an entry misses only
/// connections and follows recorded less than one TTL before it is used, and every such connection gets a catch-up
/// from the store one TTL after it registered (<see cref="RouteSettling"/>). An entry that still names a node the user
/// left is harmless: that node drops envelopes for users it no longer holds. A TTL of zero turns the cache off.
/// </remarks>
internal sealed class RouteCache(EngineContext context, IConnectionDirectory directory)
{
    // Beyond this many entries a map is emptied rather than grown (entries are cheap to read again).
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, Entry> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry> _conversations = new(StringComparer.Ordinal);

    /// <summary>Adds the nodes of users to the targets, and lists the users with no connection anywhere.</summary>
    /// <param name="userIds">The users.</param>
    /// <param name="nodes">Receives the nodes holding any of the users' connections, or <see langword="null"/> when not wanted.</param>
    /// <param name="offline">Receives the users with no live connection, or <see langword="null"/> when not wanted.</param>
    /// <param name="cancellationToken">Cancels the look-up.</param>
    /// <returns>A task that completes when resolved.</returns>
    public async ValueTask ResolveUsersAsync(IReadOnlyList<string> userIds, NodeTargets? nodes, List<string>? offline, CancellationToken cancellationToken)
    {
        List<string>? misses = null;
        for (var i = 0; i < userIds.Count; i++)
        {
            if (TryGet(_users, userIds[i]) is { } cached)
            {
                Add(cached, userIds[i], nodes, offline);
            }
            else
            {
                (misses ??= []).Add(userIds[i]);
            }
        }

        if (misses is null)
        {
            return;
        }

        var readAt = context.Time.GetTimestamp();
        var connections = await directory.GetConnectionsOfAsync(misses, cancellationToken).ConfigureAwait(false);
        var byUser = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var connection in connections)
        {
            if (!byUser.TryGetValue(connection.UserId, out var userNodes))
            {
                byUser.Add(connection.UserId, userNodes = []);
            }

            if (!userNodes.Contains(connection.NodeId))
            {
                userNodes.Add(connection.NodeId);
            }
        }

        foreach (var userId in misses)
        {
            var entry = new Entry(byUser.TryGetValue(userId, out var found) ? [.. found] : [], readAt);
            Store(_users, userId, entry);
            Add(entry, userId, nodes, offline);
        }
    }

    /// <summary>Adds the nodes following a read-path conversation to the targets.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="nodes">Receives the nodes.</param>
    /// <param name="cancellationToken">Cancels the look-up.</param>
    /// <returns>A task that completes when resolved.</returns>
    public async ValueTask ResolveFollowersAsync(string conversationId, NodeTargets nodes, CancellationToken cancellationToken)
    {
        if (TryGet(_conversations, conversationId) is not { } entry)
        {
            var readAt = context.Time.GetTimestamp();
            var followers = await directory.GetFollowersAsync(FollowTopic.Conversation(conversationId), cancellationToken).ConfigureAwait(false);
            entry = new Entry([.. followers], readAt);
            Store(_conversations, conversationId, entry);
        }

        nodes.AddRange(entry.Nodes);
    }

    private static void Add(Entry entry, string userId, NodeTargets? nodes, List<string>? offline)
    {
        if (entry.Nodes.Length == 0)
        {
            offline?.Add(userId);
            return;
        }

        if (nodes is not null)
        {
            foreach (var node in entry.Nodes)
            {
                nodes.Add(node);
            }
        }
    }

    private Entry? TryGet(ConcurrentDictionary<string, Entry> map, string key)
        => map.TryGetValue(key, out var entry) && context.Time.GetElapsedTime(entry.ReadAt) < context.Options.RouteCacheTtl ? entry : null;

    private void Store(ConcurrentDictionary<string, Entry> map, string key, Entry entry)
    {
        if (context.Options.RouteCacheTtl <= TimeSpan.Zero)
        {
            return;
        }

        if (map.Count >= MaxEntries)
        {
            map.Clear();
        }

        // A concurrent read that started later wins; an older one never replaces it.
        map.AddOrUpdate(key, static (_, fresh) => fresh, static (_, current, fresh) => fresh.ReadAt >= current.ReadAt ? fresh : current, entry);
    }

    // Nodes: the nodes found (empty: none). ReadAt: the timestamp taken before the directory read.
    private sealed record Entry(string[] Nodes, long ReadAt);
}
