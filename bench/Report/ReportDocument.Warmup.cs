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
        var labels = TrafficLabels.Where(label => Charts.Targets.Any(t => results.Rounds(label, t) > 0)).ToList();
        if (labels.Count == 0)
        {
            return;
        }

        var targets = Charts.Targets.Where(t => labels.Any(label => results.Rounds(label, t) > 0)).ToList();
        md.AppendLine("## Warm-up and JIT");
        md.AppendLine();
        md.AppendLine("Each traffic run warmed up until the server's JIT compiled no new method for the quiet period (checked on the server's own " +
            "`JitInfo.GetCompiledMethodCount()`, every tier counted). Cells: median warm-up, the most methods compiled during any round's measurement " +
            "(0 means the measured code was final), and in how many rounds the counter settled before the warm-up cap. \"n/a\": the server does not report JIT counters.");
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
        return string.Create(CultureInfo.InvariantCulture, $"{warmup:0.#} s, {methods.Max():0} methods, {settled}/{rounds} settled");
    }
}
