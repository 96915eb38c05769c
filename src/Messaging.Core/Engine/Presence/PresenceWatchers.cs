namespace Messaging;

/// <summary>
/// Which local connections watch which users' presence. The node follows a user's presence in the connection
/// directory while at least one local connection watches them (one reference per (connection, user)), so the user's
/// presence changes are published here.
/// </summary>
internal sealed class PresenceWatchers(NodeFollows follows)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HashSet<ConnectionPipeline>> _bySubject = new(StringComparer.Ordinal);
    private readonly Dictionary<ConnectionPipeline, HashSet<string>> _byConnection = [];

    /// <summary>The local connections watching a user.</summary>
    /// <param name="subjectId">The watched user.</param>
    /// <returns>A snapshot.</returns>
    public ConnectionPipeline[] WatchersOf(string subjectId)
    {
        lock (_gate)
        {
            return _bySubject.TryGetValue(subjectId, out var watchers) ? [.. watchers] : [];
        }
    }

    /// <summary>Adds users to a connection's watch list.</summary>
    /// <param name="pipeline">The watching connection.</param>
    /// <param name="subjectIds">The users (already validated).</param>
    /// <returns>A task that completes when the node follows every watched user.</returns>
    /// <exception cref="MessagingValidationException">The connection would watch too many users.</exception>
    public async ValueTask WatchAsync(ConnectionPipeline pipeline, IReadOnlyCollection<string> subjectIds)
    {
        var added = new List<string>();
        lock (_gate)
        {
            var watched = _byConnection.GetValueOrDefault(pipeline);
            var fresh = subjectIds.Where(s => watched is null || !watched.Contains(s)).Distinct(StringComparer.Ordinal).ToList();
            if ((watched?.Count ?? 0) + fresh.Count > EngineLimits.MaxPresenceSubscriptions)
            {
                throw Validation.BadRequest($"A connection may watch at most {EngineLimits.MaxPresenceSubscriptions} users.");
            }

            foreach (var subjectId in fresh)
            {
                Link(pipeline, subjectId);
                added.Add(subjectId);
            }
        }

        try
        {
            await follows.AcquireAsync([.. added.Select(FollowTopic.Presence)]).ConfigureAwait(false);
        }
        catch
        {
            lock (_gate)
            {
                foreach (var subjectId in added)
                {
                    Unlink(pipeline, subjectId);
                }
            }

            throw;
        }
    }

    /// <summary>Drops a connection's whole watch list (disconnect).</summary>
    /// <param name="pipeline">The connection.</param>
    /// <returns>A task that completes when unfollowed.</returns>
    public async ValueTask UnwatchAllAsync(ConnectionPipeline pipeline)
    {
        string[] subjects;
        lock (_gate)
        {
            subjects = _byConnection.TryGetValue(pipeline, out var watched) ? [.. watched] : [];
            foreach (var subjectId in subjects)
            {
                Unlink(pipeline, subjectId);
            }
        }

        await follows.ReleaseAsync([.. subjects.Select(FollowTopic.Presence)]).ConfigureAwait(false);
    }

    // Both links are changed under the gate, by the caller.
    private void Link(ConnectionPipeline pipeline, string subjectId)
    {
        if (!_bySubject.TryGetValue(subjectId, out var watchers))
        {
            _bySubject.Add(subjectId, watchers = []);
        }

        watchers.Add(pipeline);
        if (!_byConnection.TryGetValue(pipeline, out var watched))
        {
            _byConnection.Add(pipeline, watched = new HashSet<string>(StringComparer.Ordinal));
        }

        watched.Add(subjectId);
    }

    // Both links are changed under the gate, by the caller.
    private void Unlink(ConnectionPipeline pipeline, string subjectId)
    {
        if (_bySubject.TryGetValue(subjectId, out var watchers) && watchers.Remove(pipeline) && watchers.Count == 0)
        {
            _bySubject.Remove(subjectId);
        }

        if (_byConnection.TryGetValue(pipeline, out var watched) && watched.Remove(subjectId) && watched.Count == 0)
        {
            _byConnection.Remove(pipeline);
        }
    }
}
