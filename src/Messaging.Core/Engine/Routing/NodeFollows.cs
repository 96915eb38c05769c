namespace Messaging;

/// <summary>
/// This node's follow records in the connection directory, reference-counted per topic: a topic is followed while at
/// least one local interest holds it (a local member of a read-path conversation, a local connection watching a user).
/// Directory writes run one at a time and each writes what the counts say at that moment, so a follow and an unfollow
/// of one topic racing each other leave the directory as the counts end; an acquire returns only once its topics are
/// recorded. A failed acquire counts nothing (do not release it).
/// </summary>
internal sealed class NodeFollows(EngineContext context, IConnectionDirectory directory)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<FollowTopic, int> _counts = [];

    // Changed only under _writes: the topics the directory holds for this node.
    private readonly HashSet<FollowTopic> _recorded = [];
    private readonly SemaphoreSlim _writes = new(1, 1);

    /// <summary>Takes a reference to each topic; the first reference of a topic records it in the directory.</summary>
    /// <param name="topics">The topics (each once).</param>
    /// <returns>A task that completes when every topic is recorded.</returns>
    /// <exception cref="MessagingBackendException">The directory refused the records.</exception>
    public async ValueTask AcquireAsync(IReadOnlyCollection<FollowTopic> topics)
    {
        if (topics.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            foreach (var topic in topics)
            {
                _counts[topic] = _counts.GetValueOrDefault(topic) + 1;
            }
        }

        try
        {
            await SyncAsync(topics).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Drop(topics);
            throw exception as MessagingBackendException ?? new MessagingBackendException("The directory did not record what the node follows.", exception);
        }
    }

    /// <summary>Drops a reference to each topic; the last reference of a topic removes its record.</summary>
    /// <param name="topics">The topics (each once).</param>
    /// <returns>A task that completes when removed (failures are logged; the record expires with the node).</returns>
    public async ValueTask ReleaseAsync(IReadOnlyCollection<FollowTopic> topics)
    {
        if (topics.Count == 0)
        {
            return;
        }

        Drop(topics);
        try
        {
            await SyncAsync(topics).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            context.Logger.UnfollowFailed(context.NodeId, exception);
        }
    }

    /// <summary>Writes every held topic again (after the directory may have lost its records, for example a restart).</summary>
    /// <returns>A task that completes when written.</returns>
    public async ValueTask RestoreAsync()
    {
        await _writes.WaitAsync().ConfigureAwait(false);
        try
        {
            FollowTopic[] held;
            lock (_gate)
            {
                held = [.. _counts.Keys];
            }

            if (held.Length > 0)
            {
                await directory.FollowAsync(context.NodeId, held, CancellationToken.None).ConfigureAwait(false);
                _recorded.UnionWith(held);
            }
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>Removes every record (engine stop).</summary>
    /// <returns>A task that completes when removed (failures are logged).</returns>
    public async ValueTask ReleaseAllAsync()
    {
        lock (_gate)
        {
            _counts.Clear();
        }

        await _writes.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_recorded.Count > 0)
            {
                await directory.UnfollowAsync(context.NodeId, [.. _recorded], CancellationToken.None).ConfigureAwait(false);
                _recorded.Clear();
            }
        }
        catch (Exception exception)
        {
            context.Logger.UnfollowFailed(context.NodeId, exception);
        }
        finally
        {
            _writes.Release();
        }
    }

    private void Drop(IReadOnlyCollection<FollowTopic> topics)
    {
        lock (_gate)
        {
            foreach (var topic in topics)
            {
                if (_counts.TryGetValue(topic, out var count))
                {
                    if (count <= 1)
                    {
                        _counts.Remove(topic);
                    }
                    else
                    {
                        _counts[topic] = count - 1;
                    }
                }
            }
        }
    }

    // Makes the directory match the counts for the given topics.
    private async ValueTask SyncAsync(IReadOnlyCollection<FollowTopic> topics)
    {
        await _writes.WaitAsync().ConfigureAwait(false);
        try
        {
            List<FollowTopic>? follow = null;
            List<FollowTopic>? unfollow = null;
            lock (_gate)
            {
                foreach (var topic in topics)
                {
                    var held = _counts.ContainsKey(topic);
                    if (held && !_recorded.Contains(topic))
                    {
                        (follow ??= []).Add(topic);
                    }
                    else if (!held && _recorded.Contains(topic))
                    {
                        (unfollow ??= []).Add(topic);
                    }
                }
            }

            if (follow is not null)
            {
                await directory.FollowAsync(context.NodeId, follow, CancellationToken.None).ConfigureAwait(false);
                _recorded.UnionWith(follow);
            }

            if (unfollow is not null)
            {
                await directory.UnfollowAsync(context.NodeId, unfollow, CancellationToken.None).ConfigureAwait(false);
                _recorded.ExceptWith(unfollow);
            }
        }
        finally
        {
            _writes.Release();
        }
    }
}
