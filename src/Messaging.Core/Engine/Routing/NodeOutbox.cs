namespace Messaging;

/// <summary>
/// Publishes encoded envelopes to other nodes, one publish at a time per node (a lane per node): what is queued for a
/// node while a publish to it is in flight goes out as one batch payload (<see cref="EnvelopeCodec.EncodeBatch"/>) as
/// soon as that publish completes. An idle node's envelope is published at once (no added latency); under load a node
/// gets one backplane publish per round trip instead of one per envelope, and every node gets this node's envelopes
/// in the order they were queued.
/// </summary>
/// <remarks>
/// A publish completes when the payload that carried its envelope was published, and fails with that payload's
/// failure. The queue of a node is drained on the thread pool, so no caller waits for other callers' envelopes.
/// A batch carries at most <see cref="MaxBatch"/> envelopes.
/// </remarks>
internal sealed class NodeOutbox(IMessageTransport transport)
{
    /// <summary>The most envelopes one batch payload carries.</summary>
    public const int MaxBatch = 256;

    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    /// <summary>Publishes one encoded envelope to each of the nodes.</summary>
    /// <param name="nodeIds">The target nodes.</param>
    /// <param name="envelope">The envelope, encoded by <see cref="EnvelopeCodec.Encode"/>.</param>
    /// <param name="cancellationToken">Cancels a publish that has not started (a queued envelope stays queued).</param>
    /// <returns>A task that completes when the envelope was published to every node.</returns>
    public Task PublishAsync(IReadOnlyCollection<string> nodeIds, byte[] envelope, CancellationToken cancellationToken)
    {
        if (nodeIds.Count == 1)
        {
            foreach (var nodeId in nodeIds)
            {
                return PublishAsync(nodeId, envelope, cancellationToken);
            }
        }

        var publishes = new List<Task>(nodeIds.Count);
        foreach (var nodeId in nodeIds)
        {
            publishes.Add(PublishAsync(nodeId, envelope, cancellationToken));
        }

        return Task.WhenAll(publishes);
    }

    private Task PublishAsync(string nodeId, byte[] envelope, CancellationToken cancellationToken)
    {
        Lane lane;
        lock (_lanes)
        {
            if (!_lanes.TryGetValue(nodeId, out lane!))
            {
                _lanes.Add(nodeId, lane = new Lane(nodeId));
            }
        }

        Queued queued;
        lock (lane)
        {
            if (!lane.Busy)
            {
                lane.Busy = true;
                queued = default;
            }
            else
            {
                queued = new Queued(envelope, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                lane.Pending.Add(queued);
            }
        }

        return queued.Done is { } done ? done.Task : PublishFirstAsync(lane, envelope, cancellationToken);
    }

    // The publish of an idle lane: at once, then whatever queued meanwhile is drained apart from this caller.
    private async Task PublishFirstAsync(Lane lane, byte[] envelope, CancellationToken cancellationToken)
    {
        try
        {
            await transport.PublishAsync([lane.NodeId], envelope, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (!TryRelease(lane))
            {
                _ = Task.Run(() => DrainAsync(lane), CancellationToken.None);
            }
        }
    }

    private async Task DrainAsync(Lane lane)
    {
        do
        {
            List<Queued> batch;
            lock (lane)
            {
                var take = Math.Min(lane.Pending.Count, MaxBatch);
                batch = lane.Pending.GetRange(0, take);
                lane.Pending.RemoveRange(0, take);
            }

            try
            {
                var payload = batch.Count == 1 ? batch[0].Envelope : EnvelopeCodec.EncodeBatch(batch.ConvertAll(q => q.Envelope));
                await transport.PublishAsync([lane.NodeId], payload, CancellationToken.None).ConfigureAwait(false);
                batch.ForEach(q => q.Done!.TrySetResult());
            }
            catch (Exception exception)
            {
                batch.ForEach(q => q.Done!.TrySetException(exception));
            }
        }
        while (!TryRelease(lane));
    }

    // Marks the lane idle unless envelopes are waiting (then the caller publishes them).
    private static bool TryRelease(Lane lane)
    {
        lock (lane)
        {
            if (lane.Pending.Count > 0)
            {
                return false;
            }

            lane.Busy = false;
            return true;
        }
    }

    private readonly record struct Queued(byte[] Envelope, TaskCompletionSource? Done);

    private sealed class Lane(string nodeId)
    {
        public string NodeId { get; } = nodeId;

        public List<Queued> Pending { get; } = [];

        public bool Busy { get; set; }
    }
}
