using System.Text;

namespace Messaging.Bench.Report;

/// <summary>The targets of the adapter contracts v2 and the Redis path table (round trips, commands, idle work).</summary>
internal sealed partial class ReportDocument
{
    /// <summary>The label of the Redis row with two gateways, each pair's users split between them.</summary>
    private const string CrossNode = "direct-redis-cross-node-saturate";

    /// <summary>Background work per gateway added beyond the first that still counts as "does not grow with gateways".</summary>
    private const double IdleCommandsPerExtraGateway = 1;

    private void AppendContractTargets(StringBuilder md)
    {
        md.AppendLine("## Targets of issue 11 (adapter contracts v2)");
        md.AppendLine();
        md.AppendLine("Ratios against `ours-before` come from the same run (see \"Before and after\"); round trips and commands from the Redis path table below.");
        md.AppendLine();
        md.AppendLine("| Target | Measured (median of rounds) | Met |");
        md.AppendLine("|---|---|---|");
        foreach (var (label, where) in new[] { ("direct-redis-saturate", "Redis 1:1"), (CrossNode, "Redis 1:1 across two gateways") })
        {
            var rate = results.Median(label, "ours", "delivered_per_sec");
            var vsBefore = Ratio(rate, results.Median(label, "ours-before", "delivered_per_sec"));
            Target(md, $"{where} at saturation ≥ 3× before", vsBefore is { } b ? $"{b:0.00}× ({Value(rate, "/s")})" : null, vsBefore >= 3);
            var vsSignalR = Ratio(rate, results.Median(label, "signalr", "delivered_per_sec"));
            Target(md, $"{where} at saturation ≥ 0.5× SignalR with its Redis backplane (aim: ahead)", vsSignalR is { } v ? $"{v:0.00}× SignalR" : null, vsSignalR >= 0.5);
            var cpu = results.Median(label, "ours", "server_cpu_per_delivery_us");
            Target(md, $"{where}: ≤ 150 µs of our server CPU per delivery", cpu is { } c ? $"{c:0.#} µs" : null, cpu <= 150);
        }

        foreach (var (label, where) in new[] { ("redis-roundtrips", "one gateway"), ("redis-roundtrips-cross-node", "two gateways") })
        {
            var sent = results.Median(label, "ours", "round_trips.before_sent");
            Target(md, $"≤ 2 sequential Redis round trips before `sent` ({where})", sent is { } s ? $"{s:0}" : null, sent <= 2);
            var delivered = results.Median(label, "ours", "round_trips.before_delivery");
            Target(md, $"≤ 3 sequential Redis round trips before delivery ({where})", delivered is { } d ? $"{d:0}" : null, delivered <= 3);
        }

        var commands = results.Median("redis-roundtrips", "ours", "redis.commands_sent");
        var foreground = Foreground("ours", "redis-roundtrips", 1);
        Target(md, "≤ 6 Redis commands sent per message (a script call counted once)",
            commands is { } n ? $"{n:0.##} with the idle gateway's background work of the time, {Value(foreground, string.Empty)} without; {results.Median("redis-roundtrips", "ours", "redis.commands"):0.##} executed counting commands inside scripts" : null,
            (foreground ?? commands) <= 6);
        var perGateway = ExtraGatewayCommands("ours");
        Target(md, $"idle background work does not grow with gateways (≤ {IdleCommandsPerExtraGateway:0} command/s per gateway beyond the first)",
            perGateway is { } g ? $"{g:0.##} commands/s per extra gateway ({Value(results.Median("redis-idle-1", "ours", "redis.commands"), "/s")} with 1, {Value(results.Median("redis-idle-4", "ours", "redis.commands"), "/s")} with 4)" : null,
            perGateway <= IdleCommandsPerExtraGateway);
        var memory = Ratio(results.Median("direct-saturate", "ours", "delivered_per_sec"), results.Median("direct-saturate", "ours-before", "delivered_per_sec"));
        Target(md, "in-memory 1:1 at saturation ≥ 1.5× before (JIT done)", memory is { } m ? $"{m:0.00}× ({Value(results.Median("direct-saturate", "ours", "delivered_per_sec"), "/s")})" : null, memory >= 1.5);
        var group = Ratio(results.Median("group-1000", "ours", "delivered_per_sec"), results.Median("group-1000", "signalr", "delivered_per_sec"));
        Target(md, "group of 1,000 ≥ 1.0× SignalR", group is { } gr ? $"{gr:0.00}× SignalR" : null, group >= 1.0);
        md.AppendLine();
    }

    private void AppendRedisPath(StringBuilder md)
    {
        if (results.Rounds("redis-roundtrips", "ours") == 0 && results.Rounds("redis-idle-1", "ours") == 0)
        {
            return;
        }

        var delay = results.Median("redis-roundtrips", "ours", "round_trips.delay_ms") ?? results.Median("redis-roundtrips", "ours-before", "round_trips.delay_ms");
        md.AppendLine("## Redis path");
        md.AppendLine();
        md.AppendLine($"Measured in the bench, not in a unit test. The servers reach Redis through a loopback proxy that delays every Redis → server chunk by D = {Value(delay, " ms")} " +
            "and counts the commands the servers send; one message at a time, each sent after the previous one was delivered and acknowledged. " +
            "Round trips = (median latency with D − median latency without) ÷ D, rounded. Commands per message over the delayed phase include the " +
            "recipient's receipt and any background work of that time, as for any message; \"sent\" counts a script call once (the proxy's count), " +
            "\"executed\" is `INFO commandstats` (commands inside scripts included). Saturation rows: `INFO commandstats` deltas over the measurement of " +
            "the saturation runs (no proxy). Idle rows: no client at all, gateways through the proxy.");
        md.AppendLine();
        md.AppendLine("| Measure | target | ours-before | ours | SignalR |");
        md.AppendLine("|---|---:|---:|---:|---:|");
        (string Name, string Label, string Path, string Target, bool SignalR)[] rows =
        [
            ("round trips before `sent`, one gateway", "redis-roundtrips", "round_trips.before_sent", "≤ 2", false),
            ("round trips before delivery, one gateway", "redis-roundtrips", "round_trips.before_delivery", "≤ 3", false),
            ("round trips before `sent`, two gateways", "redis-roundtrips-cross-node", "round_trips.before_sent", "≤ 2", false),
            ("round trips before delivery, two gateways", "redis-roundtrips-cross-node", "round_trips.before_delivery", "≤ 3", false),
            ("send → `sent` without / with D, one gateway (ms)", "redis-roundtrips", "round_trips.base_sent_ms|round_trips.sent_ms", string.Empty, false),
            ("send → delivery without / with D, one gateway (ms)", "redis-roundtrips", "round_trips.base_delivered_ms|round_trips.delivered_ms", string.Empty, false),
            ("one at a time: commands sent per message", "redis-roundtrips", "redis.commands_sent", "≤ 6", false),
            ("one at a time: script calls per message", "redis-roundtrips", "redis.script_calls", string.Empty, false),
            ("one at a time: commands executed per message", "redis-roundtrips", "redis.commands", string.Empty, false),
            ("one at a time: commands inside scripts per message", "redis-roundtrips", "redis.commands_in_scripts", string.Empty, false),
            ("one at a time, two gateways: commands sent per message", "redis-roundtrips-cross-node", "redis.commands_sent", "≤ 6", false),
            ("one at a time: seconds per message (delayed phase)", "redis-roundtrips", "round_trips.seconds_per_message", string.Empty, false),
            ("saturation: commands executed per message", "direct-redis-saturate", "redis.commands", string.Empty, true),
            ("saturation: script calls per message", "direct-redis-saturate", "redis.script_calls", string.Empty, true),
            ("saturation, two gateways: commands executed per message", CrossNode, "redis.commands", string.Empty, true),
            ("idle, 1 gateway: commands executed per second", "redis-idle-1", "redis.commands", string.Empty, false),
            ("idle, 4 gateways: commands executed per second", "redis-idle-4", "redis.commands", string.Empty, false),
            ("idle, 4 gateways: script calls per second", "redis-idle-4", "redis.script_calls", string.Empty, false),
        ];
        foreach (var (name, label, path, target, signalR) in rows)
        {
            md.AppendLine($"| {name} | {target} | {Cell(label, "ours-before", path)} | {Cell(label, "ours", path)} | {(signalR ? Cell(label, "signalr", path) : string.Empty)} |");
        }

        md.AppendLine($"| one at a time: commands sent per message without the idle background (one gateway / two) | ≤ 6 | " +
            $"{Value(Foreground("ours-before", "redis-roundtrips", 1), string.Empty)} / {Value(Foreground("ours-before", "redis-roundtrips-cross-node", 2), string.Empty)} | " +
            $"{Value(Foreground("ours", "redis-roundtrips", 1), string.Empty)} / {Value(Foreground("ours", "redis-roundtrips-cross-node", 2), string.Empty)} | |");
        md.AppendLine($"| idle: commands per second per gateway beyond the first | ≤ {IdleCommandsPerExtraGateway:0} | {Value(ExtraGatewayCommands("ours-before"), string.Empty)} | {Value(ExtraGatewayCommands("ours"), string.Empty)} | |");
        md.AppendLine();
    }

    // Commands sent per message in a one-at-a-time run minus what its idle gateways send meanwhile anyway
    // (their commands per second, measured without clients, times the run's seconds per message).
    private double? Foreground(string target, string label, int gateways) =>
        results.Median(label, target, "redis.commands_sent") is { } sent
        && results.Median(label, target, "round_trips.seconds_per_message") is { } seconds
        && results.Median("redis-idle-1", target, "redis.commands_sent") is { } idle
            ? Math.Round(sent - (idle * gateways * seconds), 2)
            : null;

    // One value, or "a / b" for two paths joined by '|'.
    private string Cell(string label, string target, string path) =>
        string.Join(" / ", path.Split('|').Select(p => Value(results.Median(label, target, p), string.Empty)));

    // (commands/s with 4 gateways − with 1) ÷ 3: what each gateway adds on its own while idle.
    private double? ExtraGatewayCommands(string target) =>
        results.Median("redis-idle-4", target, "redis.commands") is { } four && results.Median("redis-idle-1", target, "redis.commands") is { } one
            ? Math.Round((four - one) / 3, 2)
            : null;
}
