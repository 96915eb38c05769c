namespace Messaging;

/// <summary>
/// Connect and disconnect: the local registry, the node's follows (read-path conversations per user), the connection
/// directory, presence, and the initial catch-up. The catch-up is queued before the connection becomes reachable and
/// runs once it is registered, so nothing committed meanwhile is lost, duplicated or reordered; a second catch-up one
/// route-cache TTL after the registration delivers what other nodes sent with a route read before it.
/// </summary>
internal sealed class ConnectionManager(
    EngineContext context,
    IConversationIndex index,
    IConnectionDirectory directory,
    ConnectionPipelineFactory pipelines,
    LocalConnections local,
    ReadPathInterest interest,
    PresenceWatchers watchers,
    PresenceService presence,
    UserLocks locks,
    RouteSettling settling)
{
    private readonly HashSet<ConnectionPipeline> _attached = [];
    private readonly Lock _gate = new();

    /// <summary>Attaches a new client connection.</summary>
    /// <param name="userId">The authenticated user.</param>
    /// <param name="deviceId">The client's device.</param>
    /// <param name="connection">The gateway's sink.</param>
    /// <param name="cancellationToken">Cancels the set-up.</param>
    /// <returns>The running pipeline.</returns>
    public async ValueTask<ConnectionPipeline> ConnectAsync(string userId, string deviceId, IClientConnection connection, CancellationToken cancellationToken)
    {
        var pipeline = pipelines.Create(userId, deviceId, connection);
        pipeline.EnqueueInitialCatchUp();
        var entry = Entry(pipeline);
        using (await locks.LockAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            var first = local.Add(pipeline) == 1;
            try
            {
                if (first)
                {
                    var conversations = await index.ListForUserAsync(userId, EngineLimits.MaxConversationsPerUser, cancellationToken).ConfigureAwait(false);
                    await interest.AddUserAsync(userId, conversations.Select(a => a.Conversation)).ConfigureAwait(false);
                }

                await directory.RegisterAsync(entry, cancellationToken).ConfigureAwait(false);
                settling.Schedule(pipeline);
            }
            catch (Exception exception)
            {
                if (local.Remove(pipeline) == 0)
                {
                    await interest.RemoveUserAsync(userId).ConfigureAwait(false);
                }

                await pipeline.StopAsync().ConfigureAwait(false);
                if (exception is MessagingException or OperationCanceledException)
                {
                    throw;
                }

                throw new MessagingBackendException("The connection could not be set up.", exception);
            }
        }

        lock (_gate)
        {
            _attached.Add(pipeline);
        }

        pipeline.Start();
        context.Logger.ClientConnected(userId, deviceId, pipeline.ConnectionId);
        try
        {
            await presence.TouchAsync(userId, deviceId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            context.Logger.ConnectionStepFailed("presence", pipeline.ConnectionId, exception);
        }

        return pipeline;
    }

    /// <summary>Detaches a connection (idempotent): stops its delivery and undoes everything connect did.</summary>
    /// <param name="pipeline">The connection's pipeline.</param>
    /// <returns>A task that completes when detached.</returns>
    public async ValueTask DisconnectAsync(ConnectionPipeline pipeline)
    {
        lock (_gate)
        {
            if (!_attached.Remove(pipeline))
            {
                return;
            }
        }

        await pipeline.StopAsync().ConfigureAwait(false);
        await watchers.UnwatchAllAsync(pipeline).ConfigureAwait(false);
        using (await locks.LockAsync(pipeline.UserId, CancellationToken.None).ConfigureAwait(false))
        {
            if (local.Remove(pipeline) == 0)
            {
                await interest.RemoveUserAsync(pipeline.UserId).ConfigureAwait(false);
            }
        }

        await RunStepAsync("directory", pipeline, () => directory.UnregisterAsync(Entry(pipeline), CancellationToken.None)).ConfigureAwait(false);
        await RunStepAsync("presence", pipeline, () => presence.DisconnectedAsync(pipeline.UserId, pipeline.DeviceId)).ConfigureAwait(false);
        context.Logger.ClientDisconnected(pipeline.UserId, pipeline.DeviceId, pipeline.ConnectionId);
    }

    /// <summary>Aborts and detaches every connection (engine stop).</summary>
    /// <param name="reason">Why, as told to the connections.</param>
    /// <returns>A task that completes when all are detached.</returns>
    public async ValueTask DisconnectAllAsync(string reason)
    {
        ConnectionPipeline[] all;
        lock (_gate)
        {
            all = [.. _attached];
        }

        foreach (var pipeline in all)
        {
            pipeline.Abort(reason);
            await DisconnectAsync(pipeline).ConfigureAwait(false);
        }
    }

    /// <summary>Keeps this node's directory entries and its live devices' presence leases alive.</summary>
    /// <param name="cancellationToken">Cancels the refresh.</param>
    /// <returns>A task that completes when refreshed.</returns>
    public async ValueTask RefreshAsync(CancellationToken cancellationToken)
    {
        await directory.RefreshNodeAsync(context.NodeId, cancellationToken).ConfigureAwait(false);
        foreach (var (userId, deviceId) in local.All().Where(p => p.IsAlive).Select(p => (p.UserId, p.DeviceId)).Distinct())
        {
            await presence.TouchAsync(userId, deviceId, cancellationToken).ConfigureAwait(false);
        }
    }

    private DeviceConnection Entry(ConnectionPipeline pipeline) => new(pipeline.UserId, pipeline.DeviceId, pipeline.ConnectionId, context.NodeId);

    private async ValueTask RunStepAsync(string step, ConnectionPipeline pipeline, Func<ValueTask> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            context.Logger.ConnectionStepFailed(step, pipeline.ConnectionId, exception);
        }
    }
}
