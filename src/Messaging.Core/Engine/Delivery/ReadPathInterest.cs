using System.Collections.Concurrent;

namespace Messaging;

/// <summary>
/// Which locally connected users receive which read-path conversations. The node follows a conversation in the
/// connection directory while at least one local member is interested (one reference per (conversation, user)), so
/// publishers send its messages here once for all of them; the interest is set when a user's first connection arrives,
/// dropped with the last, and re-evaluated on every <see cref="MembershipEnvelope"/> (join, leave, or a fan-out mode
/// change as a group grows).
/// </summary>
internal sealed class ReadPathInterest(IConversationStore conversations, IFanoutPolicy fanoutPolicy, NodeFollows follows, LocalConnections local, UserLocks locks, RouteSettling settling)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HashSet<string>> _usersByConversation = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _conversationsByUser = new(StringComparer.Ordinal);

    // Read by every envelope of a read-path conversation, changed only on joins and leaves: an immutable array per
    // conversation, replaced under the gate, read without it.
    private readonly ConcurrentDictionary<string, string[]> _snapshots = new(StringComparer.Ordinal);

    /// <summary>The local users interested in a conversation.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <returns>A snapshot (never modified).</returns>
    public string[] LocalMembers(string conversationId) => _snapshots.TryGetValue(conversationId, out var users) ? users : [];

    /// <summary>Follows a newly connected user's read-path conversations, in one directory call (call under the user's lock).</summary>
    /// <param name="userId">The user.</param>
    /// <param name="conversations">The user's conversations.</param>
    /// <returns>A task that completes when followed.</returns>
    public async ValueTask AddUserAsync(string userId, IEnumerable<Conversation> conversations)
    {
        var added = new List<FollowTopic>();
        foreach (var conversation in conversations)
        {
            if (conversation.IsMember(userId) && fanoutPolicy.Choose(conversation) == FanoutMode.ReadPath && Link(conversation.Id, userId))
            {
                added.Add(FollowTopic.Conversation(conversation.Id));
            }
        }

        try
        {
            await follows.AcquireAsync(added).ConfigureAwait(false);
        }
        catch
        {
            foreach (var topic in added)
            {
                Forget(topic.Id, userId);
            }

            throw;
        }
    }

    /// <summary>Drops every interest of a user whose last local connection left (call under the user's lock).</summary>
    /// <param name="userId">The user.</param>
    /// <returns>A task that completes when unfollowed.</returns>
    public async ValueTask RemoveUserAsync(string userId)
    {
        string[] conversationIds;
        lock (_gate)
        {
            conversationIds = _conversationsByUser.TryGetValue(userId, out var ids) ? [.. ids] : [];
        }

        var removed = new List<FollowTopic>(conversationIds.Length);
        foreach (var conversationId in conversationIds)
        {
            if (Forget(conversationId, userId))
            {
                removed.Add(FollowTopic.Conversation(conversationId));
            }
        }

        await follows.ReleaseAsync(removed).ConfigureAwait(false);
    }

    /// <summary>Records again every conversation this node follows (after the directory may have lost them).</summary>
    /// <returns>A task that completes when recorded.</returns>
    public ValueTask RestoreAsync() => follows.RestoreAsync();

    /// <summary>
    /// Re-evaluates a conversation for its local members after a membership change. Every local connection whose
    /// interest changed, and every connection of the user who joined or left, is then filled from the store (through
    /// its pipeline): messages published on a channel before this node subscribed, or still in flight on one it left,
    /// are never lost, and a former member's connection gets exactly what was sent up to the removal.
    /// </summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="affectedUserId">The user who joined or left.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>A task that completes when what the node follows matches the conversation.</returns>
    public async ValueTask RefreshAsync(string conversationId, string affectedUserId, CancellationToken cancellationToken)
    {
        var conversation = await conversations.GetAsync(conversationId, cancellationToken).ConfigureAwait(false);
        var readPath = conversation is not null && fanoutPolicy.Choose(conversation) == FanoutMode.ReadPath;
        var candidates = new HashSet<string>(LocalMembers(conversationId), StringComparer.Ordinal) { affectedUserId };
        foreach (var member in conversation?.Members ?? [])
        {
            candidates.Add(member.UserId);
        }

        foreach (var userId in candidates)
        {
            if (!local.IsConnected(userId))
            {
                continue;
            }

            using var held = await locks.LockAsync(userId, cancellationToken).ConfigureAwait(false);
            var wanted = readPath && conversation!.IsMember(userId) && local.IsConnected(userId);
            var changed = wanted
                ? await AddAsync(conversationId, userId).ConfigureAwait(false)
                : await RemoveAsync(conversationId, userId).ConfigureAwait(false);
            if (changed || string.Equals(userId, affectedUserId, StringComparison.Ordinal))
            {
                foreach (var pipeline in local.ForUser(userId))
                {
                    pipeline.EnqueueConversationCatchUp(conversationId);

                    // A publisher's route cache may not know of a new follow for a while: catch up again after that.
                    settling.ScheduleConversation(pipeline, conversationId);
                }
            }
        }
    }

    // Returns whether the interest is new.
    private async ValueTask<bool> AddAsync(string conversationId, string userId)
    {
        if (!Link(conversationId, userId))
        {
            return false;
        }

        try
        {
            await follows.AcquireAsync([FollowTopic.Conversation(conversationId)]).ConfigureAwait(false);
            return true;
        }
        catch
        {
            Forget(conversationId, userId);
            throw;
        }
    }

    // Returns whether there was an interest.
    private async ValueTask<bool> RemoveAsync(string conversationId, string userId)
    {
        if (!Forget(conversationId, userId))
        {
            return false;
        }

        await follows.ReleaseAsync([FollowTopic.Conversation(conversationId)]).ConfigureAwait(false);
        return true;
    }

    // Returns whether the interest is new.
    private bool Link(string conversationId, string userId)
    {
        lock (_gate)
        {
            if (!GetSet(_usersByConversation, conversationId).Add(userId))
            {
                return false;
            }

            GetSet(_conversationsByUser, userId).Add(conversationId);
            _snapshots[conversationId] = [.. _usersByConversation[conversationId]];
            return true;
        }
    }

    private bool Forget(string conversationId, string userId)
    {
        lock (_gate)
        {
            if (!_usersByConversation.TryGetValue(conversationId, out var users) || !users.Remove(userId))
            {
                return false;
            }

            if (users.Count == 0)
            {
                _usersByConversation.Remove(conversationId);
                _snapshots.TryRemove(conversationId, out _);
            }
            else
            {
                _snapshots[conversationId] = [.. users];
            }

            if (_conversationsByUser.TryGetValue(userId, out var ids) && ids.Remove(conversationId) && ids.Count == 0)
            {
                _conversationsByUser.Remove(userId);
            }

            return true;
        }
    }

    private static HashSet<string> GetSet(Dictionary<string, HashSet<string>> map, string key)
    {
        if (!map.TryGetValue(key, out var set))
        {
            map.Add(key, set = new HashSet<string>(StringComparer.Ordinal));
        }

        return set;
    }
}
