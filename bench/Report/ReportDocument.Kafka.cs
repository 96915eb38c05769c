using System.Globalization;
using System.Text;

namespace Messaging.Bench.Report;

/// <summary>The Kafka section: the Kafka backplane across two gateways against SignalR's Redis backplane, and the event log.</summary>
internal sealed partial class ReportDocument
{
    private const string KafkaCrossNode = "direct-kafka-cross-node-saturate";
    private const string KafkaHalfRate = "direct-kafka-cross-node-half-rate";
    private const string KafkaGroup = "group-100-kafka-cross-node";
    private const string RedisGroup = "group-100-redis-cross-node";
    private const string EventLog = "event-log-saturate";

    /// <summary>The Kafka traffic labels of run.sh (for the warm-up table and the undelivered check).</summary>
    private static readonly string[] KafkaLabels = [KafkaCrossNode, KafkaHalfRate, KafkaGroup, RedisGroup, EventLog];

    private static string PairedText((double Median, int Rounds)? paired)
        => paired is { } p ? string.Create(Invariant, $"{p.Median:0.00}× ({p.Rounds})") : "–";

    private void AppendKafka(StringBuilder md)
    {
        if (KafkaLabels.All(label => results.Rounds(label, "ours") == 0 && results.Rounds(label, "signalr") == 0))
        {
            return;
        }

        md.AppendLine("## Kafka: backplane across two gateways, and the event log");
        md.AppendLine();
        md.AppendLine("`bench/run.sh` (or `--only kafka`) against one librdkafka mock cluster of 3 brokers on loopback (`tools/KafkaMockCluster`). " +
            "Ours: two gateways on Redis stores and the Kafka backplane, each pair's users split between them so every message crosses Kafka; " +
            "SignalR: two servers sharing its Redis backplane; ours on the Redis backplane is the cross-node Redis row (a `--only kafka` run measures it in its Kafka part). " +
            "\"vs SignalR\" is the median over rounds of the ratio within one run and round (ours ÷ SignalR for rates, SignalR ÷ ours for " +
            "latency and CPU: above 1 means ours is better), so it compares only numbers measured alongside each other. Half rate: half of " +
            "ours' Kafka saturation rate in that round, on the same gateways. Server CPU counts both processes.");
        md.AppendLine();
        md.AppendLine("| Scenario | ours, Kafka backplane | SignalR, Redis backplane | vs SignalR (same run) | ours, Redis backplane | Kafka vs Redis backplane (same run) | rounds |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        (string Name, string Ours, string? SignalR, string Path, string Unit, bool Higher)[] rows =
        [
            ("direct 1:1, saturation: delivered msg/s", KafkaCrossNode, CrossNode, "delivered_per_sec", "/s", true),
            ("direct 1:1, saturation: p50 latency", KafkaCrossNode, CrossNode, "latency_ms.p50", " ms", false),
            ("direct 1:1, saturation: p99 latency", KafkaCrossNode, CrossNode, "latency_ms.p99", " ms", false),
            ("direct 1:1, saturation: server CPU per delivery (both)", KafkaCrossNode, CrossNode, "server_cpu_per_delivery_us", " µs", false),
            ("direct 1:1, saturation: client CPU per delivery", KafkaCrossNode, CrossNode, "client_cpu_per_delivery_us", " µs", false),
            ("direct 1:1, half of ours' saturation rate: delivered msg/s", KafkaHalfRate, null, "delivered_per_sec", "/s", true),
            ("direct 1:1, half of ours' saturation rate: p50 latency", KafkaHalfRate, null, "latency_ms.p50", " ms", false),
            ("direct 1:1, half of ours' saturation rate: p99 latency", KafkaHalfRate, null, "latency_ms.p99", " ms", false),
            ("group of 100, saturation: deliveries/s", KafkaGroup, RedisGroup, "delivered_per_sec", "/s", true),
            ("group of 100, saturation: p99 latency", KafkaGroup, RedisGroup, "latency_ms.p99", " ms", false),
            ("group of 100, saturation: server CPU per delivery (both)", KafkaGroup, RedisGroup, "server_cpu_per_delivery_us", " µs", false),
        ];
        foreach (var row in rows)
        {
            var ours = results.Median(row.Ours, "ours", row.Path);
            var signalR = row.SignalR is { } label ? results.Median(label, "signalr", row.Path) : null;
            var paired = row.SignalR is { } baseline
                ? row.Higher
                    ? results.PairedRatio((row.Ours, "ours"), (baseline, "signalr"), row.Path)
                    : results.PairedRatio((baseline, "signalr"), (row.Ours, "ours"), row.Path)
                : null;
            var redis = row.SignalR == CrossNode ? results.Median(CrossNode, "ours", row.Path) : null;
            var backplanes = row.SignalR != CrossNode ? null
                : row.Higher
                    ? results.PairedRatio((row.Ours, "ours"), (CrossNode, "ours"), row.Path)
                    : results.PairedRatio((CrossNode, "ours"), (row.Ours, "ours"), row.Path);
            md.AppendLine($"| {row.Name} | {Value(ours, row.Unit)} | {Value(signalR, row.Unit)} | {PairedText(paired)} | {Value(redis, row.Unit)} | {PairedText(backplanes)} | {results.Rounds(row.Ours, "ours")} |");
        }

        md.AppendLine();
        var saturation = results.PairedRatio((KafkaCrossNode, "ours"), (CrossNode, "signalr"), "delivered_per_sec");
        var halfRateP99 = results.Median(KafkaHalfRate, "ours", "latency_ms.p99");
        md.AppendLine("| Target (issue 12) | Measured | Met |");
        md.AppendLine("|---|---|---|");
        Target(md, "Kafka 1:1 across two gateways at saturation ≥ 1.0× SignalR with its Redis backplane on two servers (same run)",
            saturation is { } s ? string.Create(Invariant, $"{s.Median:0.00}×") : null, saturation?.Median >= 1.0);
        Target(md, "p99 at half that rate < 50 ms", halfRateP99 is { } h ? string.Create(Invariant, $"{h:0.#} ms") : null, halfRateP99 < 50);
        md.AppendLine();

        if (results.Rounds(EventLog, "ours") == 0)
        {
            return;
        }

        md.AppendLine("Event log: one gateway (in-memory stores) appending every committed message, membership change and receipt to the Kafka " +
            "event log (`UseKafkaEventLog`, topic `messaging.events`, idempotent producer with `acks=all`), driven by the 1:1 traffic at " +
            "saturation, and a reader of the topic in the load generator (every partition assigned at its end, as a downstream consumer reads " +
            "it). Committed messages/s: `message` events of messages sent during the measurement that reached the reader during it, each " +
            "counted once (copies of an append the gateway retried are counted apart, as a downstream consumer drops them); commit → reader: the reader's clock " +
            "minus the message's timestamp, which the gateway sets when it commits; send → reader: from the load generator's send. " +
            "\"of delivered\": the reader's rate ÷ the WebSocket delivery rate of the same run (1.0: the log keeps up with the gateway).");
        md.AppendLine();
        md.AppendLine("| Event log | median | rounds |");
        md.AppendLine("|---|---:|---:|");
        (string Name, string Path, string Unit)[] logRows =
        [
            ("committed messages/s reaching the reader", "event_log.messages_per_sec", "/s"),
            ("messages/s delivered over WebSockets (same runs)", "delivered_per_sec", "/s"),
            ("commit → reader p50", "event_log.commit_to_log_ms.p50", " ms"),
            ("commit → reader p99", "event_log.commit_to_log_ms.p99", " ms"),
            ("send → reader p99", "event_log.send_to_log_ms.p99", " ms"),
            ("copies read again (retried appends)", "event_log.duplicates", ""),
            ("send → recipient (WebSocket) p99", "latency_ms.p99", " ms"),
            ("server CPU per delivery", "server_cpu_per_delivery_us", " µs"),
        ];
        foreach (var (name, path, unit) in logRows)
        {
            md.AppendLine($"| {name} | {Value(results.Median(EventLog, "ours", path), unit)} | {results.Rounds(EventLog, "ours")} |");
        }

        var ofDelivered = results.MedianRatio(EventLog, "ours", "event_log.messages_per_sec", "delivered_per_sec");
        md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| of delivered | {(ofDelivered is { } o ? o.ToString("0.00", Invariant) : "–")} | {results.Rounds(EventLog, "ours")} |"));
        md.AppendLine();
    }
}
