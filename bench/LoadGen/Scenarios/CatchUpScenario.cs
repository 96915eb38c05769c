using System.Diagnostics;
using Messaging.LoadGen.Cli;
using Messaging.LoadGen.Measurement;
using Messaging.LoadGen.Targets;

namespace Messaging.LoadGen.Scenarios;

/// <summary>
/// <c>catchup</c>: a sender stores <c>--messages</c> messages (each confirmed <c>sent</c>) for a device that has
/// never been online; the device then connects. Measures connect start → every message received.
/// </summary>
internal static class CatchUpScenario
{
    private const int SendWindow = 256;
    private static readonly TimeSpan PhaseTimeout = TimeSpan.FromMinutes(3);

    public static async Task<ScenarioResult> RunAsync(IChatTarget target, LoadGenOptions options, CancellationToken cancellationToken)
    {
        var prefix = Connector.RunPrefix();
        var senderId = prefix + "s";
        var receiverId = prefix + "r";
        var total = options.Messages;

        var sentSink = new CountingSink(total, countSent: true);
        await using var sender = await target.ConnectAsync(senderId, sentSink, 0, cancellationToken).ConfigureAwait(false);
        var route = await target.DirectRouteAsync(senderId, receiverId, cancellationToken).ConfigureAwait(false);
        var payload = Payload.Create(0, 0, 0, options.PayloadSize);
        for (var i = 0; i < total; i++)
        {
            await sentSink.WaitForWindowAsync(i, SendWindow, cancellationToken).ConfigureAwait(false);
            await sender.SendAsync(route, group: false, payload, CancellationToken.None).ConfigureAwait(false);
        }

        await sentSink.Done.WaitAsync(PhaseTimeout, cancellationToken).ConfigureAwait(false);

        var receivedSink = new CountingSink(total, countSent: false);
        var start = Stopwatch.GetTimestamp();
        await using var receiver = await target.ConnectAsync(receiverId, receivedSink, 0, cancellationToken).ConfigureAwait(false);
        await receivedSink.Done.WaitAsync(PhaseTimeout, cancellationToken).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        return TrafficScenario.Base(options) with
        {
            Sent = total,
            Delivered = receivedSink.Count,
            CatchupSeconds = Math.Round(seconds, 3),
            CatchupMsgsPerSec = Math.Round(total / seconds, 1),
        };
    }

    /// <summary>Counts messages (or <c>sent</c> confirmations) and completes when all arrived.</summary>
    private sealed class CountingSink(int total, bool countSent) : IDeliverySink
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly SemaphoreSlim _progress = new(0);
        private int _count;

        public Task Done => _done.Task;

        public int Count => Volatile.Read(ref _count);

        public void OnMessage(string payload)
        {
            if (!countSent)
            {
                Increment();
            }
        }

        public void OnSent()
        {
            if (countSent)
            {
                Increment();
            }
        }

        /// <summary>Waits until fewer than <paramref name="window"/> of the first <paramref name="sent"/> sends are unconfirmed.</summary>
        public async Task WaitForWindowAsync(int sent, int window, CancellationToken cancellationToken)
        {
            while (sent - Count >= window)
            {
                if (!await _progress.WaitAsync(PhaseTimeout, cancellationToken).ConfigureAwait(false))
                {
                    throw new TimeoutException($"No send was confirmed within {PhaseTimeout}.");
                }
            }
        }

        private void Increment()
        {
            if (Interlocked.Increment(ref _count) >= total)
            {
                _done.TrySetResult();
            }

            _progress.Release();
        }
    }
}
