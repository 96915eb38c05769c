using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Messaging.Stores.Cassandra;

namespace Messaging.Bench;

/// <summary>
/// The Cassandra append path: appends through the store (<c>CassandraMessageStore.AppendAsync</c>: the
/// <c>INSERT … IF NOT EXISTS</c> and the last seq hint) against a plain loop of the same two statements on the same
/// session, in the same process, alternating, at the same concurrency. Each worker appends to a conversation of its
/// own at increasing seqs, as the sequencer hands them out; each side's rate is the best of <c>--rounds</c> runs (after a
/// warm-up of both). Writes one JSON line (stdout, and appended to --out), with an error instead of rates when it fails.
/// </summary>
internal static class CassandraAppendBench
{
    public const string Name = "cassandra-append";

    /// <summary>The keyspace of every Cassandra bench run (created with one replica when missing).</summary>
    public const string Keyspace = "messaging_bench";

    public static Task<int> RunAsync(string[] args) => RunMeasurementAsync(Name, args, MeasureBothAsync);

    /// <summary>
    /// Runs one Cassandra measurement against the node of <c>--cassandra</c> and writes its JSON line (stdout, and
    /// appended to <c>--out</c>): the scenario, target, label and round, then what <paramref name="measure"/> adds, or
    /// the error when it fails.
    /// </summary>
    internal static async Task<int> RunMeasurementAsync(string scenario, string[] args, Func<string, string[], Dictionary<string, object?>, Task> measure)
    {
        var contactPoint = BenchServerHosting.Option(args, "--cassandra");
        if (contactPoint is null)
        {
            Console.Error.WriteLine($"{scenario} needs --cassandra HOST:PORT");
            return 2;
        }

        var result = new Dictionary<string, object?>
        {
            ["scenario"] = scenario,
            ["target"] = "ours",
            ["label"] = BenchServerHosting.Option(args, "--label") ?? scenario,
            ["round"] = int.Parse(BenchServerHosting.Option(args, "--round") ?? "0", CultureInfo.InvariantCulture),
        };
        var exitCode = 0;
        try
        {
            await measure(contactPoint, args, result).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // A failed run is still a result: run.sh records it and the report shows it instead of a number.
            result["error"] = exception.GetType().Name + ": " + exception.Message;
            exitCode = 1;
        }

        var line = JsonSerializer.Serialize(result);
        Console.WriteLine(line);
        if (BenchServerHosting.Option(args, "--out") is { } path)
        {
            await File.AppendAllTextAsync(path, line + Environment.NewLine).ConfigureAwait(false);
        }

        return exitCode;
    }

    /// <summary>Options for the bench keyspace on the node (created with one replica when missing).</summary>
    internal static async Task<CassandraOptions> PrepareKeyspaceAsync(string contactPoint)
    {
        var options = new CassandraOptions { Keyspace = Keyspace, ReplicationFactor = 1 };
        options.ContactPoints.Add(contactPoint);
        await CassandraSchema.ApplyAsync(options).ConfigureAwait(false);
        return options;
    }

    private static async Task MeasureBothAsync(string contactPoint, string[] args, Dictionary<string, object?> result)
    {
        var messages = int.Parse(BenchServerHosting.Option(args, "--messages") ?? "20000", CultureInfo.InvariantCulture);
        var concurrency = int.Parse(BenchServerHosting.Option(args, "--concurrency") ?? "128", CultureInfo.InvariantCulture);
        var rounds = int.Parse(BenchServerHosting.Option(args, "--rounds") ?? "2", CultureInfo.InvariantCulture);
        var options = await PrepareKeyspaceAsync(contactPoint).ConfigureAwait(false);
        await using var context = new CassandraStoreContext(options);
        var store = new CassandraMessageStore(context);
        var session = await context.SessionAsync(CancellationToken.None).ConfigureAwait(false);

        // The store's appends, and the same statements sent by a plain loop on the same session.
        Func<Message, Task> throughStore = async m => await store.AppendAsync(m).ConfigureAwait(false);
        Func<Message, Task> plainLoop = async m =>
        {
            await session.ExecuteAsync(context.Statements.AppendMessage(m)).ConfigureAwait(false);
            await session.ExecuteAsync(context.Statements.RaiseLastSeq(m.ConversationId, m.Seq)).ConfigureAwait(false);
        };

        // Warm both (prepared statements, connections, JIT), then alternate so neither gets a quieter machine.
        await MeasureAsync(throughStore, Math.Min(messages, 2_000), concurrency).ConfigureAwait(false);
        await MeasureAsync(plainLoop, Math.Min(messages, 2_000), concurrency).ConfigureAwait(false);
        var storeRates = new List<double>();
        var plainRates = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            plainRates.Add(await MeasureAsync(plainLoop, messages, concurrency).ConfigureAwait(false));
            storeRates.Add(await MeasureAsync(throughStore, messages, concurrency).ConfigureAwait(false));
        }

        var storeRate = storeRates.Max();
        var plainRate = plainRates.Max();
        result["messages"] = messages;
        result["concurrency"] = concurrency;
        result["store_appends_per_sec"] = Math.Round(storeRate, 1);
        result["plain_appends_per_sec"] = Math.Round(plainRate, 1);
        result["store_vs_plain"] = Math.Round(storeRate / plainRate, 3);
    }

    // Appends `messages` messages with `concurrency` workers, each in a fresh conversation of its own at seqs 1, 2, ...;
    // returns the appends per second.
    private static async Task<double> MeasureAsync(Func<Message, Task> append, int messages, int concurrency)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var perWorker = Math.Max(1, messages / concurrency);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            var conversation = $"bench-{run}-{worker}";
            for (var seq = 1; seq <= perWorker; seq++)
            {
                await append(new Message
                {
                    ConversationId = conversation,
                    Seq = seq,
                    MessageId = Guid.CreateVersion7().ToString(),
                    SenderId = "bench",
                    ClientMsgId = $"c{seq}",
                    Content = "append path benchmark message",
                    Timestamp = DateTimeOffset.UtcNow,
                }).ConfigureAwait(false);
            }
        })).ConfigureAwait(false);
        return perWorker * (double)concurrency / clock.Elapsed.TotalSeconds;
    }
}
