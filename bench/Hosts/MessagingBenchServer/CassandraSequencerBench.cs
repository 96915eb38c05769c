using System.Diagnostics;
using System.Globalization;
using Messaging.Stores.Cassandra;

namespace Messaging.Bench;

/// <summary>
/// The contention of the sequencer on lightweight transactions (<c>UseCassandraSequencer</c>): <c>--senders</c>
/// concurrent senders spread over <c>--sessions</c> sessions (gateways) take seqs, all of one conversation, then each
/// of a conversation of its own, alternating, <c>--rounds</c> times (after a warm-up of both); each side reports its
/// best rate, the compare-and-set rounds and refusals per seq of that run, and the p50/p99 time of one take. One JSON
/// line, with an error instead when it fails.
/// </summary>
internal static class CassandraSequencerBench
{
    public const string Name = "cassandra-sequencer";

    public static Task<int> RunAsync(string[] args) => CassandraAppendBench.RunMeasurementAsync(Name, args, MeasureAsync);

    private static async Task MeasureAsync(string contactPoint, string[] args, Dictionary<string, object?> result)
    {
        var senders = Int(args, "--senders", 16);
        var sessions = Math.Min(senders, Int(args, "--sessions", 4));
        var perSender = Int(args, "--seqs", 100);
        var rounds = Int(args, "--rounds", 2);
        var options = await CassandraAppendBench.PrepareKeyspaceAsync(contactPoint).ConfigureAwait(false);

        // Contention among rounds is the subject: let a take lose as many rounds as it has to instead of failing.
        var sequencerOptions = new CassandraSequencerOptions { MaxAttempts = 10_000 };
        var contexts = Enumerable.Range(0, sessions).Select(_ => new CassandraStoreContext(options)).ToArray();
        try
        {
            var sequencers = contexts.Select(c => new CassandraSequencer(c, new CassandraMessageStore(c), sequencerOptions)).ToArray();
            await RunAsync(sequencers, senders, Math.Min(perSender, 20), oneConversation: true).ConfigureAwait(false);
            await RunAsync(sequencers, senders, Math.Min(perSender, 20), oneConversation: false).ConfigureAwait(false);
            Run? one = null, separate = null;
            for (var round = 0; round < rounds; round++)
            {
                one = Best(one, await RunAsync(sequencers, senders, perSender, oneConversation: true).ConfigureAwait(false));
                separate = Best(separate, await RunAsync(sequencers, senders, perSender, oneConversation: false).ConfigureAwait(false));
            }

            result["senders"] = senders;
            result["sessions"] = sessions;
            result["seqs_per_sender"] = perSender;
            Add(result, "one_conversation", one!);
            Add(result, "separate_conversations", separate!);
        }
        finally
        {
            foreach (var context in contexts)
            {
                await context.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    // `senders` senders, sender i on sequencer i % sessions, each taking `perSender` seqs of one shared conversation or
    // of a conversation of its own.
    private static async Task<Run> RunAsync(CassandraSequencer[] sequencers, int senders, int perSender, bool oneConversation)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        long rounds = sequencers.Sum(s => s.Rounds), refused = sequencers.Sum(s => s.Refused), unknown = sequencers.Sum(s => s.UnknownOutcomes);
        var latencies = new double[senders * perSender];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, senders).Select(sender => Task.Run(async () =>
        {
            var sequencer = sequencers[sender % sequencers.Length];
            var conversation = oneConversation ? $"seq-{run}" : $"seq-{run}-{sender}";
            for (var i = 0; i < perSender; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await sequencer.NextAsync(conversation).ConfigureAwait(false);
                latencies[(sender * perSender) + i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }))).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        double seqs = latencies.Length;
        return new Run(
            seqs / seconds,
            (sequencers.Sum(s => s.Rounds) - rounds) / seqs,
            (sequencers.Sum(s => s.Refused) - refused) / seqs,
            sequencers.Sum(s => s.UnknownOutcomes) - unknown,
            latencies[(int)(0.5 * (latencies.Length - 1))],
            latencies[(int)(0.99 * (latencies.Length - 1))]);
    }

    private static Run Best(Run? best, Run run) => best is null || run.SeqsPerSecond > best.SeqsPerSecond ? run : best;

    private static void Add(Dictionary<string, object?> result, string prefix, Run run)
    {
        result[prefix + "_seqs_per_sec"] = Math.Round(run.SeqsPerSecond, 1);
        result[prefix + "_rounds_per_seq"] = Math.Round(run.RoundsPerSeq, 3);
        result[prefix + "_retries_per_seq"] = Math.Round(run.RefusedPerSeq, 3);
        result[prefix + "_unknown_outcomes"] = run.UnknownOutcomes;
        result[prefix + "_p50_ms"] = Math.Round(run.P50Ms, 2);
        result[prefix + "_p99_ms"] = Math.Round(run.P99Ms, 2);
    }

    private static int Int(string[] args, string name, int fallback)
        => BenchServerHosting.Option(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    private sealed record Run(double SeqsPerSecond, double RoundsPerSeq, double RefusedPerSeq, long UnknownOutcomes, double P50Ms, double P99Ms);
}
