using System.Text;

namespace Messaging.Bench.Report;

/// <summary>The Cassandra rows (bench/run.sh --cassandra): the tiered deployment and the append path, with issue 13's targets.</summary>
internal sealed partial class ReportDocument
{
    private void AppendCassandra(StringBuilder md)
    {
        md.AppendLine("## Cassandra: the tiered deployment and the append path (issue 13)");
        md.AppendLine();
        var append = results.Median("cassandra-append", "ours", "store_vs_plain");
        var sequencer = results.Median("cassandra-sequencer", "ours", "one_conversation_seqs_per_sec");
        if (results.Rounds("direct-tiered-saturate", "ours") == 0 && append is null && sequencer is null)
        {
            md.AppendLine("Not measured in this run: `bench/run.sh --cassandra HOST:PORT` runs these rows against a Cassandra node (none runs on the machines this report is made on).");
            md.AppendLine();
            return;
        }

        md.AppendLine("Tiered: the bench server with Redis (sequencer, presence, directory, backplane, a hot window of 1,000 messages per conversation) in front of Cassandra (the store of truth). Append path: the store's appends against a plain loop of the same CQL statements on the same session, same run.");
        md.AppendLine();
        md.AppendLine("| Target | Measured (median of rounds) | Met |");
        md.AppendLine("|---|---|---|");
        var saturated = results.Median("direct-tiered-saturate", "ours", "delivered_per_sec");
        Target(md, "tiered 1:1 at saturation ≥ 500 messages/s", saturated is { } s ? Value(s, "/s") : null, saturated >= 500);
        var halfP99 = results.Median("direct-tiered-half-rate", "ours", "latency_ms.p99");
        Target(md, "tiered 1:1 at half of that rate: p99 < 100 ms", halfP99 is { } p ? Value(p, " ms") : null, halfP99 < 100);
        var catchup = results.Median("catchup-tiered", "ours", "catchup_msgs_per_sec");
        Target(md, "catch-up of 10,000 messages (9,000 from Cassandra) ≥ 50,000 messages/s", catchup is { } c ? Value(c, "/s") : null, catchup >= 50_000);
        var store = results.Median("cassandra-append", "ours", "store_appends_per_sec");
        var plain = results.Median("cassandra-append", "ours", "plain_appends_per_sec");
        Target(md, "append path through the store ≥ 0.7× a plain loop of its statements", append is { } a ? $"{a:0.00}× ({Value(store, "/s")} vs {Value(plain, "/s")})" : null, append >= 0.7);
        md.AppendLine();
        AppendSequencer(md);
    }

    // The sequencer on lightweight transactions: seqs/s, rounds and refusals per seq, and the time of one take.
    private void AppendSequencer(StringBuilder md)
    {
        if (results.Median("cassandra-sequencer", "ours", "one_conversation_seqs_per_sec") is null)
        {
            return;
        }

        var senders = Value(results.Median("cassandra-sequencer", "ours", "senders"), "");
        var sessions = Value(results.Median("cassandra-sequencer", "ours", "sessions"), "");
        md.AppendLine($"Sequencer on lightweight transactions (`UseCassandraSequencer`): {senders} senders spread over {sessions} sessions (gateways) taking seqs, all of one conversation, then each of a conversation of its own (no target: what contention costs).");
        md.AppendLine();
        md.AppendLine("| Senders on | seqs/s | CAS rounds per seq | refused per seq | p50 | p99 |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var (prefix, label) in new[] { ("one_conversation", "one conversation"), ("separate_conversations", "a conversation each") })
        {
            string Cell(string field, string unit) => Value(results.Median("cassandra-sequencer", "ours", $"{prefix}_{field}"), unit);
            md.AppendLine($"| {label} | {Cell("seqs_per_sec", "/s")} | {Cell("rounds_per_seq", "")} | {Cell("retries_per_seq", "")} | {Cell("p50_ms", " ms")} | {Cell("p99_ms", " ms")} |");
        }

        md.AppendLine();
    }
}
