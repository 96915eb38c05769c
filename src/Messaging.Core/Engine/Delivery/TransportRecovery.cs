namespace Messaging;

/// <summary>
/// Closes the hole an interrupted backplane leaves (DESIGN §5 Deliver): envelopes lost while a transport's
/// subscriptions were down are only noticed through a later envelope's gap, and a conversation with no later message
/// would never get them. When an <see cref="ISubscriptionRecoveringTransport"/> reports that its subscriptions are
/// back, every local connection is refilled from its cursors to the store's end through its own pipeline (the same
/// refill as after a read-path interest change), so nothing acknowledged by the store is missed; the cursors drop what
/// the connection already has.
/// </summary>
internal sealed class TransportRecovery(EngineContext context, LocalConnections local)
{
    private int _attached;

    /// <summary>Starts listening to the transport, when it can report recoveries.</summary>
    public void Attach()
    {
        if (context.Transport is ISubscriptionRecoveringTransport transport && Interlocked.Exchange(ref _attached, 1) == 0)
        {
            transport.SubscriptionsRestored += OnSubscriptionsRestored;
        }
    }

    /// <summary>Stops listening.</summary>
    public void Detach()
    {
        if (context.Transport is ISubscriptionRecoveringTransport transport && Interlocked.Exchange(ref _attached, 0) == 1)
        {
            transport.SubscriptionsRestored -= OnSubscriptionsRestored;
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

    private void OnSubscriptionsRestored(object? sender, EventArgs e) => RefillAll();
}
