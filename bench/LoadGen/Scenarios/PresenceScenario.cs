using System.Collections.Concurrent;
using System.Diagnostics;
using Messaging.LoadGen.Cli;
using Messaging.LoadGen.Measurement;
using Messaging.LoadGen.Targets;

namespace Messaging.LoadGen.Scenarios;

/// <summary>
/// <c>presence</c>: <c>--trials</c> watchers on the first server each subscribe to one user, who then connects to
/// the second server (the same one without <c>--server2</c>) and leaves again. Measures connect start → watcher's
/// <c>online</c> frame and close start → <c>offline</c> frame (which includes the server's presence grace period).
/// </summary>
internal static class PresenceScenario
{
    private static readonly TimeSpan FrameTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Stagger = TimeSpan.FromMilliseconds(20);

    public static async Task<ScenarioResult> RunAsync(IChatTarget watchers, IChatTarget subjects, LoadGenOptions options, CancellationToken cancellationToken)
    {
        var prefix = Connector.RunPrefix();
        var online = new ConcurrentBag<long>();
        var offline = new ConcurrentBag<long>();
        await Parallel.ForAsync(0, options.Trials, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            await Task.Delay(Stagger * i, ct).ConfigureAwait(false);
            var (up, down) = await TrialAsync(watchers, subjects, $"{prefix}w{i}", $"{prefix}x{i}", ct).ConfigureAwait(false);
            online.Add(up);
            offline.Add(down);
        }).ConfigureAwait(false);

        return TrafficScenario.Base(options) with
        {
            Connections = options.Trials * 2,
            OnlineMs = Percentiles.FromMicros(online),
            OfflineMs = Percentiles.FromMicros(offline),
        };
    }

    private static async Task<(long OnlineMicros, long OfflineMicros)> TrialAsync(IChatTarget watchers, IChatTarget subjects, string watcherId, string subjectId, CancellationToken cancellationToken)
    {
        var sink = new PresenceSink(subjectId);
        await using var watcher = await watchers.ConnectAsync(watcherId, sink, 0, cancellationToken).ConfigureAwait(false);
        var initial = sink.Next();
        await watcher.SubscribePresenceAsync([subjectId], cancellationToken).ConfigureAwait(false);
        await initial.WaitAsync(FrameTimeout, cancellationToken).ConfigureAwait(false);

        var wentOnline = sink.Next(expectOnline: true);
        var start = Stopwatch.GetTimestamp();
        var subject = await subjects.ConnectAsync(subjectId, new ForwardingSink(static () => null), 0, cancellationToken).ConfigureAwait(false);
        await wentOnline.WaitAsync(FrameTimeout, cancellationToken).ConfigureAwait(false);
        var up = (long)Stopwatch.GetElapsedTime(start).TotalMicroseconds;

        var wentOffline = sink.Next(expectOnline: false);
        start = Stopwatch.GetTimestamp();
        await subject.DisposeAsync().ConfigureAwait(false);
        await wentOffline.WaitAsync(FrameTimeout, cancellationToken).ConfigureAwait(false);
        var down = (long)Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        return (up, down);
    }

    /// <summary>Completes a signal when the watched user's presence frame (of the expected state) arrives.</summary>
    private sealed class PresenceSink(string subjectId) : IDeliverySink
    {
        private readonly object _gate = new();
        private TaskCompletionSource? _signal;
        private bool? _expectOnline;

        public Task Next(bool? expectOnline = null)
        {
            lock (_gate)
            {
                _signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _expectOnline = expectOnline;
                return _signal.Task;
            }
        }

        public void OnMessage(string payload)
        {
        }

        public void OnPresence(string userId, bool online)
        {
            lock (_gate)
            {
                if (userId == subjectId && (_expectOnline is null || _expectOnline == online))
                {
                    _signal?.TrySetResult();
                }
            }
        }
    }
}
