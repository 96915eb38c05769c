using System.Globalization;
using System.Text;

namespace Messaging.Bench.Report;

/// <summary>The warm-up and JIT check of every traffic run, per scenario and target.</summary>
internal sealed partial class ReportDocument
{
    private static readonly string[] TrafficLabels =
        ["direct-saturate", "direct-half-rate", "group-10", "group-100", "group-1000", "direct-redis-saturate", CrossNode];

    private void AppendWarmup(StringBuilder md)
    {
        var labels = TrafficLabels.Concat(KafkaLabels).Where(label => Charts.Targets.Any(t => results.Rounds(label, t) > 0)).ToList();
        if (labels.Count == 0)
        {
            return;
        }

        var targets = Charts.Targets.Where(t => labels.Any(label => results.Rounds(label, t) > 0)).ToList();
        md.AppendLine("## Warm-up and JIT");
        md.AppendLine();
        md.AppendLine("Each traffic run warmed up until the server's JIT went quiet (checked on the server's own `JitInfo` counters, every tier " +
            "counted: at most 20 ms of compilation over the last 2 s by default). Cells: median warm-up, the most methods and JIT milliseconds " +
            "compiled during any round's measurement (a handful of methods and milliseconds means the measured code was final), and in how many " +
            "rounds the JIT went quiet before the warm-up cap. \"n/a\": the server does not report JIT counters.");
        md.AppendLine();
        md.AppendLine("| Scenario | " + string.Join(" | ", targets) + " |");
        md.AppendLine("|---|" + string.Concat(targets.Select(_ => "---:|")));
        foreach (var label in labels)
        {
            md.AppendLine($"| {label} | " + string.Join(" | ", targets.Select(t => WarmupCell(label, t))) + " |");
        }

        md.AppendLine();
    }

    private string WarmupCell(string label, string target)
    {
        var rounds = results.Rounds(label, target);
        if (rounds == 0)
        {
            return "–";
        }

        var warmup = results.Median(label, target, "warmup_s");
        var methods = results.Values(label, target, "jit_methods_measured");
        if (methods.Count == 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{warmup:0.#} s, n/a");
        }

        var settled = results.Flags(label, target, "jit_settled").Count(f => f);
        var jitMs = results.Values(label, target, "jit_ms_measured").DefaultIfEmpty(0).Max();
        return string.Create(CultureInfo.InvariantCulture, $"{warmup:0.#} s, {methods.Max():0} methods / {jitMs:0.#} ms, {settled}/{rounds} quiet");
    }
}
