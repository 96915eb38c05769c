using System.Diagnostics;
using Messaging.LoadGen.Cli;
using Messaging.LoadGen.Measurement;
using Messaging.LoadGen.Scenarios;
using Messaging.LoadGen.Targets;

namespace Messaging.LoadGen.EventLog;

/// <summary>
/// <c>event-log</c>: the <c>direct</c> traffic (N pairs, at saturation or a fixed rate) against gateways that append to a
/// Kafka event log, with a reader on the log's topic (<c>--kafka</c>, <c>--topic</c>): committed messages per second
/// reaching the reader over the measurement window, and commit → reader and send → reader latency.
/// </summary>
internal static class EventLogScenario
{
    /// <summary>How long the reader may take to find the topic and assign its partitions, counted from the end of warm-up.</summary>
    private static readonly TimeSpan AssignTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The log counts as caught up with the commits once the last message read was committed at most this long ago.
    /// </summary>
    private static readonly TimeSpan CaughtUpLag = TimeSpan.FromSeconds(1);

    /// <summary>How long the measurement waits for the log to catch up before it starts anyway (and says so).</summary>
    private static readonly TimeSpan CatchUpTimeout = TimeSpan.FromSeconds(60);

    public static async Task<ScenarioResult> RunAsync(IReadOnlyList<IChatTarget> targets, LoadGenOptions options, CancellationToken cancellationToken)
    {
        var bootstrap = options.Kafka ?? throw new ArgumentException("The event-log scenario needs --kafka BOOTSTRAP.");
        using var reader = new EventLogReader(bootstrap, options.Topic);
        reader.Start();
        var partitions = 0;
        var caughtUp = false;
        var result = await DirectScenario.RunAsync(targets, options, cancellationToken, measuring: on =>
        {
            if (on)
            {
                // The traffic of the warm-up made the gateway create the topic; the window starts only once the
                // reader sits at the end of every partition, so it misses nothing committed while measuring, and once
                // the log caught up with the commits: a backlog of the warm-up (a first append that waited for the
                // topic) would otherwise be counted as the log's rate and latency.
                partitions = reader.Assigned.WaitAsync(AssignTimeout, cancellationToken).GetAwaiter().GetResult();
                var deadline = Stopwatch.GetTimestamp() + (long)(CatchUpTimeout.TotalSeconds * Stopwatch.Frequency);
                while (!(caughtUp = reader.LastLag <= CaughtUpLag) && Stopwatch.GetTimestamp() < deadline)
                {
                    Task.Delay(50, cancellationToken).GetAwaiter().GetResult();
                }
            }

            reader.Measuring = on;
        }).ConfigureAwait(false);
        var seconds = result.DurationS ?? 0;
        var messages = reader.CommitToLog.Delivered;
        return result with
        {
            EventLog = new EventLogUsage
            {
                Partitions = partitions,
                CaughtUp = caughtUp,
                Messages = messages,
                Duplicates = reader.Duplicates,
                MessagesPerSec = seconds > 0 ? Math.Round(messages / seconds, 1) : 0,
                CommitToLogMs = reader.CommitToLog.Percentiles(),
                SendToLogMs = reader.SendToLog.Percentiles(),
            },
        };
    }
}
