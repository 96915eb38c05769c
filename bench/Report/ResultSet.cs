using System.Text.Json;

namespace Messaging.Bench.Report;

/// <summary>
/// The JSON lines of one or more runs, queried by label, target and a numeric path such as <c>latency_ms.p99</c>. Each
/// line remembers which file (run) it came from, so two scenarios can be compared within one run and round.
/// </summary>
internal sealed class ResultSet
{
    private readonly List<JsonElement> _lines;
    private readonly List<int> _runs;

    private ResultSet(List<JsonElement> lines, List<int> runs)
    {
        _lines = lines;
        _runs = runs;
    }

    public int Count => _lines.Count;

    public static ResultSet Load(IEnumerable<string> paths)
    {
        var lines = new List<JsonElement>();
        var runs = new List<int>();
        foreach (var (path, run) in paths.Select((path, run) => (path, run)))
        {
            foreach (var line in File.ReadLines(path))
            {
                if (!string.IsNullOrWhiteSpace(line))
                {
                    using var document = JsonDocument.Parse(line);
                    lines.Add(document.RootElement.Clone());
                    runs.Add(run);
                }
            }
        }

        return new ResultSet(lines, runs);
    }

    /// <summary>The values of a numeric field over the successful runs of a label and target (one per round).</summary>
    public IReadOnlyList<double> Values(string label, string target, string path) =>
        Runs(label, target).Select(run => Number(run, path)).OfType<double>().ToList();

    /// <summary>The median over rounds, or <see langword="null"/> when no run succeeded.</summary>
    public double? Median(string label, string target, string path)
    {
        var values = Values(label, target, path).Order().ToList();
        if (values.Count == 0)
        {
            return null;
        }

        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    public int Rounds(string label, string target) => Runs(label, target).Count();

    /// <summary>The median over rounds of one result's <paramref name="numerator"/> ÷ <paramref name="denominator"/>.</summary>
    public double? MedianRatio(string label, string target, string numerator, string denominator)
    {
        var ratios = Runs(label, target)
            .Select(run => (n: Number(run, numerator), d: Number(run, denominator)))
            .Where(x => x.n is not null && x.d is > 0)
            .Select(x => x.n!.Value / x.d!.Value)
            .Order()
            .ToList();
        return ratios.Count == 0 ? null
            : ratios.Count % 2 == 1 ? ratios[ratios.Count / 2]
            : (ratios[(ratios.Count / 2) - 1] + ratios[ratios.Count / 2]) / 2;
    }

    /// <summary>
    /// The median over rounds of <c>a ÷ b</c>, each ratio taken between two results of the same run (file) and round, so
    /// a scenario is compared only with a baseline measured alongside it; <see langword="null"/> when no round has both.
    /// </summary>
    public (double Median, int Rounds)? PairedRatio((string Label, string Target) a, (string Label, string Target) b, string path)
    {
        var baseline = new Dictionary<(int Run, double Round), double>();
        foreach (var (line, run) in RunsWithFile(b.Label, b.Target))
        {
            if (Number(line, path) is { } value && Number(line, "round") is { } round)
            {
                baseline[(run, round)] = value;
            }
        }

        var ratios = RunsWithFile(a.Label, a.Target)
            .Select(x => (value: Number(x.Line, path), round: Number(x.Line, "round"), x.Run))
            .Where(x => x.value is not null && x.round is { } r && baseline.TryGetValue((x.Run, r), out var t) && t > 0)
            .Select(x => x.value!.Value / baseline[(x.Run, x.round!.Value)])
            .Order()
            .ToList();
        if (ratios.Count == 0)
        {
            return null;
        }

        var middle = ratios.Count / 2;
        return (ratios.Count % 2 == 1 ? ratios[middle] : (ratios[middle - 1] + ratios[middle]) / 2, ratios.Count);
    }

    /// <summary>The values of a boolean field over the successful runs of a label and target (absent values skipped).</summary>
    public IReadOnlyList<bool> Flags(string label, string target, string name) => Runs(label, target)
        .Select(run => run.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : (bool?)null)
        .OfType<bool>()
        .ToList();

    /// <summary>Errors of failed runs, to print instead of numbers.</summary>
    public IEnumerable<string> Errors() => _lines
        .Where(l => l.TryGetProperty("error", out _))
        .Select(l => $"{Text(l, "label")} / {Text(l, "target")} round {Number(l, "round")}: {Text(l, "error")}");

    /// <summary>Runs whose server refused frames (rate limits, errors), with the count per error code.</summary>
    public IEnumerable<string> Rejections() => _lines
        .Where(l => l.TryGetProperty("rejected", out var rejected) && rejected.ValueKind == JsonValueKind.Object)
        .Select(l => $"{Text(l, "label")} / {Text(l, "target")} round {Number(l, "round")}: " +
            string.Join(", ", l.GetProperty("rejected").EnumerateObject().Select(code => $"{code.Value} {code.Name}")));

    /// <summary>The load averages the runs of a label saw (1-minute average at the end of each run).</summary>
    public IEnumerable<string> LoadAverages() => _lines.Select(l => Text(l, "load_average")).Where(s => s.Length > 0);

    private IEnumerable<JsonElement> Runs(string label, string target) => RunsWithFile(label, target).Select(x => x.Line);

    private IEnumerable<(JsonElement Line, int Run)> RunsWithFile(string label, string target) => _lines
        .Select((line, i) => (Line: line, Run: _runs[i]))
        .Where(x => Text(x.Line, "label") == label && Text(x.Line, "target") == target && !x.Line.TryGetProperty("error", out _));

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() ?? string.Empty : string.Empty;

    private static double? Number(JsonElement element, string path)
    {
        foreach (var part in path.Split('.'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(part, out element))
            {
                return null;
            }
        }

        return element.ValueKind == JsonValueKind.Number ? element.GetDouble() : null;
    }
}
