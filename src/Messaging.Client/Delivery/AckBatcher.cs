using Messaging.Client.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Messaging.Client.Delivery;

/// <summary>
/// Collects the ids of received messages and acknowledges them as delivered in batches: when a batch is full, or a
/// short delay after its first id. Ids whose ack could not be written (no connection) are kept, up to a limit, and
/// sent by the next flush; beyond the limit the oldest are dropped, which is safe because the server re-sends
/// unacknowledged messages at catch-up and the client acknowledges duplicates again. Thread-safe.
/// </summary>
internal sealed class AckBatcher : IDisposable
{
    private readonly object _gate = new();
    private readonly List<string> _pending = [];
    private readonly TimeProvider _time;
    private readonly TimeSpan _delay;
    private readonly int _maxBatch;
    private readonly int _maxRetained;
    private readonly Func<IReadOnlyList<string>, CancellationToken, ValueTask<bool>> _send;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private bool _timerArmed;
    private bool _disposed;

    /// <summary>Creates a batcher.</summary>
    /// <param name="time">The clock.</param>
    /// <param name="delay">How long the first id of a batch waits for company.</param>
    /// <param name="maxBatch">The most ids in one <c>ack</c> frame.</param>
    /// <param name="send">Writes one <c>ack</c> frame; returns <see langword="false"/> when there is no connection.</param>
    /// <param name="logger">Logs failed writes.</param>
    public AckBatcher(TimeProvider time, TimeSpan delay, int maxBatch, Func<IReadOnlyList<string>, CancellationToken, ValueTask<bool>> send, ILogger logger)
    {
        _time = time;
        _delay = delay;
        _maxBatch = maxBatch;
        _maxRetained = maxBatch * 100;
        _send = send;
        _logger = logger;
        _timer = time.CreateTimer(static state => ((AckBatcher)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The number of ids waiting to be acknowledged.</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Queues a message id for a delivered ack.</summary>
    /// <param name="messageId">The received message.</param>
    public void Add(string messageId)
    {
        bool full;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _pending.Add(messageId);
            full = _pending.Count >= _maxBatch;
            if (!full && !_timerArmed)
            {
                _timerArmed = true;
                _timer.Change(_delay, Timeout.InfiniteTimeSpan);
            }
        }

        if (full)
        {
            _ = FlushInBackgroundAsync();
        }
    }

    /// <summary>Sends every queued id now (after a reconnect, before closing).</summary>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <returns>Completes when the frames are written or kept for later.</returns>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        while (TakeBatch() is { } batch)
        {
            bool written;
            try
            {
                written = await _send(batch, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _logger.AckFailed(batch.Count, ex);
                written = false;
            }

            if (!written)
            {
                Requeue(batch);
                return;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _pending.Clear();
        }

        _timer.Dispose();
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            _timerArmed = false;
        }

        _ = FlushInBackgroundAsync();
    }

    private async Task FlushInBackgroundAsync()
    {
        try
        {
            await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Only a dispose cancels; the ids are dropped with the client.
            _logger.AckFlushCancelled();
        }
    }

    private List<string>? TakeBatch()
    {
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                return null;
            }

            var count = Math.Min(_maxBatch, _pending.Count);
            var batch = _pending.GetRange(0, count);
            _pending.RemoveRange(0, count);
            return batch;
        }
    }

    private void Requeue(List<string> batch)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _pending.InsertRange(0, batch);
            if (_pending.Count > _maxRetained)
            {
                _pending.RemoveRange(0, _pending.Count - _maxRetained);
            }
        }
    }
}
