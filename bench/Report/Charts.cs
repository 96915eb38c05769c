using ScottPlot;

namespace Messaging.Bench.Report;

/// <summary>
/// The PNG charts of the report: throughput (in-memory and Redis, one gateway and across two), latency percentiles and
/// idle memory, medians per target. ours-before (an
/// older build of our server run in the same rounds) is drawn next to ours when the run has it.
/// </summary>
internal static class Charts
{
    public static readonly string[] Targets = ["ours", "ours-before", "signalr", "raw"];

    private static readonly Color[] TargetColors = [new Color(31, 119, 180), new Color(158, 198, 232), new Color(255, 127, 14), new Color(127, 127, 127)];

    /// <summary>Writes the charts and returns (title, path relative to the document) for each.</summary>
    public static IReadOnlyList<(string Title, string Path)> Write(ResultSet results, string imagesDir, string documentDir)
    {
        var written = new List<(string, string)>();
        void Save(Plot plot, string file, string title)
        {
            var path = System.IO.Path.Combine(imagesDir, file);
            plot.SavePng(path, 960, 480);
            written.Add((title, System.IO.Path.GetRelativePath(documentDir, path).Replace('\\', '/')));
        }

        Save(
            Grouped(results, ["direct-saturate", "group-10", "group-100", "group-1000"], ["direct 1:1", "group 10", "group 100", "group 1,000"], "delivered_per_sec", 1,
                "Deliveries per second at saturation (median of rounds, higher is better)", "deliveries / s"),
            "throughput.png", "Throughput at saturation");
        Save(
            Grouped(results, ["direct-redis-saturate", "direct-redis-cross-node-saturate"], ["one gateway", "two gateways (cross-node)"], "delivered_per_sec", 1,
                "Redis 1:1 deliveries per second at saturation (median of rounds, higher is better)", "deliveries / s"),
            "throughput-redis.png", "Redis throughput at saturation, one gateway and across two");
        Save(
            Grouped(results, ["direct-half-rate", "direct-half-rate", "direct-half-rate"], ["p50", "p99", "p99.9"], ["latency_ms.p50", "latency_ms.p99", "latency_ms.p999"],
                "1:1 latency send → receive at half of our saturation rate (lower is better)", "milliseconds"),
            "latency.png", "Latency percentiles at a fixed rate");
        Save(
            Grouped(results, ["idle", "idle"], ["process RSS", "GC heap"], ["rss_per_conn_bytes", "gc_heap_per_conn_bytes"], "Server memory per idle connection (lower is better)", "bytes"),
            "memory.png", "Memory per idle connection");
        return written;
    }

    private static Plot Grouped(ResultSet results, string[] labels, string[] groupNames, string path, double scale, string title, string yLabel) =>
        Grouped(results, labels, groupNames, labels.Select(_ => path).ToArray(), title, yLabel, scale);

    private static Plot Grouped(ResultSet results, string[] labels, string[] groupNames, string[] paths, string title, string yLabel, double scale = 1)
    {
        // Only the targets the run measured get a slot, so a run without ours-before draws as before.
        var shown = Enumerable.Range(0, Targets.Length).Where(t => labels.Any(label => results.Rounds(label, Targets[t]) > 0)).ToArray();
        var plot = new Plot();
        var bars = new List<Bar>();
        for (var g = 0; g < labels.Length; g++)
        {
            for (var slot = 0; slot < shown.Length; slot++)
            {
                var t = shown[slot];
                if (results.Median(labels[g], Targets[t], paths[g]) is { } value)
                {
                    bars.Add(new Bar
                    {
                        Position = (g * (shown.Length + 1)) + slot,
                        Value = value * scale,
                        FillColor = TargetColors[t],
                        Label = Format(value * scale),
                    });
                }
            }
        }

        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 11;
        var ticks = groupNames.Select((name, g) => new Tick((g * (shown.Length + 1)) + ((shown.Length - 1) / 2.0), name)).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Margins(bottom: 0, top: 0.15);
        foreach (var t in shown)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = Targets[t], FillColor = TargetColors[t] });
        }

        plot.Legend.Alignment = Alignment.UpperRight;
        plot.ShowLegend();
        plot.Title(title);
        plot.YLabel(yLabel);
        return plot;
    }

    private static string Format(double value) => value >= 100 ? value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)
        : value.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
}
