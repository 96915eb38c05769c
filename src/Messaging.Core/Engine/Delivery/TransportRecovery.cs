namespace Messaging;

/// <summary>
/// Closes the hole an interrupted backplane leaves (DESIGN §5 Deliver): payloads lost while a transport's inbox was
/// down are only noticed through a later envelope's gap, and a conversation with no later message would never get
/// them. When an <see cref="ISubscriptionRecoveringTransport"/> reports that its inboxes are back, every local
/// connection is refilled from its cursors to the store's end through its own pipeline (the same refill as after a
/// read-path interest change), so nothing acknowledged by the store is missed; the cursors drop what the connection
/// already has. The same outage may have emptied the connection directory (a restarted Redis), so the node then
/// records its connections and follows again and schedules the route-cache catch-up for each connection.
/// </summary>
internal sealed class TransportRecovery(EngineContext context, IMessageTransport transport, IConnectionDirectory directory, LocalConnections local, NodeFollows follows, RouteSettling settling)
{
    private int _attached;

    /// <summary>Starts listening to the transport, when it can report recoveries.</summary>
    public void Attach()
    {
        if (transport is ISubscriptionRecoveringTransport recovering && Interlocked.Exchange(ref _attached, 1) == 0)
        {
            recovering.SubscriptionsRestored += OnSubscriptionsRestored;
        }
    }

    /// <summary>Stops listening.</summary>
    public void Detach()
    {
        if (transport is ISubscriptionRecoveringTransport recovering && Interlocked.Exchange(ref _attached, 0) == 1)
        {
            recovering.SubscriptionsRestored -= OnSubscriptionsRestored;
        }
    }

    /// <summary>Queues a refill on every live connection of this node (never blocks: the pipelines do the reading).</summary>
    public void RefillAll()
    {
        var connections = local.All();
        context.Logger.BackplaneRecovered(context.NodeId, connections.Count);
        foreach (var pipeline in connections)
        {
            pipeline.EnqueueRefill();
        }
    }

    /// <summary>Records this node's connections and follows in the directory again, then schedules their catch-up.</summary>
    /// <returns>A task that completes when recorded (failures are logged).</returns>
    public async Task RestoreDirectoryAsync()
    {
        try
        {
            var connections = local.All();
            foreach (var pipeline in connections)
            {
                if (pipeline.IsAlive)
                {
                    await directory.RegisterAsync(new DeviceConnection(pipeline.UserId, pipeline.DeviceId, pipeline.ConnectionId, context.NodeId), CancellationToken.None).ConfigureAwait(false);
                }
            }

            await follows.RestoreAsync().ConfigureAwait(false);
            foreach (var pipeline in connections)
            {
                settling.Schedule(pipeline);
            }
        }
        catch (Exception exception)
        {
            context.Logger.DirectoryRestoreFailed(context.NodeId, exception);
        }
    }

    private void OnSubscriptionsRestored(object? sender, EventArgs e)
    {
        RefillAll();
        _ = Task.Run(RestoreDirectoryAsync);
    }
}
