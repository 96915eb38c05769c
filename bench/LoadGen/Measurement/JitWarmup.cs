using System.Diagnostics;

namespace Messaging.LoadGen.Measurement;

/// <summary>How long a traffic run warms the server up before measuring (see <see cref="JitWarmup"/>).</summary>
/// <param name="Minimum">Always warmed at least this long (<c>--warmup</c>).</param>
/// <param name="Quiet">The window the JIT is watched over (<c>--jit-quiet</c>).</param>
/// <param name="BudgetMs">Warm-up ends once the server's JIT spent at most this many milliseconds compiling over the last
/// <see cref="Quiet"/> window (<c>--jit-budget-ms</c>; 20 ms over 2 s is 1% of one core).</param>
/// <param name="Maximum">Warm-up ends here even if the JIT is still busy (<c>--warmup-max</c>); the result says it did not settle.</param>
/// <param name="Unchecked">The fixed warm-up of a server that does not report its JIT counters (<c>--warmup-unchecked</c>).</param>
internal sealed record WarmupPolicy(TimeSpan Minimum, TimeSpan Quiet, double BudgetMs, TimeSpan Maximum, TimeSpan Unchecked);

/// <summary>What a warm-up did: how long it took, and whether the JIT was seen to be done.</summary>
/// <param name="Seconds">Length of the warm-up.</param>
/// <param name="Checked">Whether the server reported JIT counters (an older build may not).</param>
/// <param name="Settled">Whether the JIT went quiet before <see cref="WarmupPolicy.Maximum"/>.</param>
internal sealed record WarmupOutcome(double Seconds, bool Checked, bool Settled);

/// <summary>
/// A warm-up that is checked, not assumed: traffic runs while this polls the server's JIT counters (<c>jit_methods</c>
/// and <c>jit_ms</c> of <c>GET /bench/stats</c>, the runtime's <c>JitInfo</c>) and ends once the JIT spent at most
/// <see cref="WarmupPolicy.BudgetMs"/> compiling over the last <see cref="WarmupPolicy.Quiet"/>. Tier-1 recompilations
/// count too, so a quiet JIT means the hot path runs its final code. Quiet rather than silent: methods a timer calls once
/// a second reach the tier-1 call count only after half a minute, so a handful of small compilations trickle in long after
/// the hot path is done (seen on this machine: hundreds of methods and most of a core for the first ~20 s of a saturated
/// run, then 0–30 methods of a few milliseconds every second). What the JIT still did while measuring is recorded
/// with the result.
/// </summary>
internal static class JitWarmup
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    public static async Task<WarmupOutcome> RunAsync(WarmupPolicy policy, Func<CancellationToken, Task<ServerStats?>> serverStats, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var samples = new List<(long At, double JitMs)>();
        await Task.Delay(policy.Minimum, cancellationToken).ConfigureAwait(false);
        var stats = await serverStats(cancellationToken).ConfigureAwait(false);
        if (stats?.JitMs is not { } jitMs)
        {
            var rest = policy.Unchecked - Stopwatch.GetElapsedTime(started);
            if (rest > TimeSpan.Zero)
            {
                await Task.Delay(rest, cancellationToken).ConfigureAwait(false);
            }

            return new WarmupOutcome(Seconds(started), Checked: false, Settled: false);
        }

        samples.Add((Stopwatch.GetTimestamp(), jitMs));
        while (Stopwatch.GetElapsedTime(started) < policy.Maximum)
        {
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            var now = Stopwatch.GetTimestamp();
            var current = (await serverStats(cancellationToken).ConfigureAwait(false))?.JitMs ?? samples[^1].JitMs;
            samples.Add((now, current));

            // The newest sample at least a quiet window old: how much the JIT compiled since then.
            var windowStart = samples.FindLast(s => Stopwatch.GetElapsedTime(s.At, now) >= policy.Quiet);
            if (windowStart.At != 0 && current - windowStart.JitMs <= policy.BudgetMs)
            {
                return new WarmupOutcome(Seconds(started), Checked: true, Settled: true);
            }
        }

        return new WarmupOutcome(Seconds(started), Checked: true, Settled: false);
    }

    private static double Seconds(long started) => Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 2);
}
