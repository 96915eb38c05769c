using System.Text.Json;

namespace Messaging.Bench.Report;

/// <summary>The JSON lines of one run, queried by label, target and a numeric path such as <c>latency_ms.p99</c>.</summary>
internal sealed class ResultSet
{
    private readonly List<JsonElement> _lines;

    private ResultSet(List<JsonElement> lines) => _lines = lines;

    public int Count => _lines.Count;

    public static ResultSet Load(IEnumerable<string> paths)
    {
        var lines = new List<JsonElement>();
        foreach (var line in paths.SelectMany(File.ReadLines))
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                using var document = JsonDocument.Parse(line);
                lines.Add(document.RootElement.Clone());
            }
        }

        return new ResultSet(lines);
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

    /// <summary>The values of a boolean field over the successful runs of a label and target (absent values skipped).</summary>
    public IReadOnlyList<bool> Flags(string label, string target, string name) => Runs(label, target)
        .Select(run => run.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : (bool?)null)
        .OfType<bool>()
        .ToList();

    /// <summary>Errors of failed runs, to print instead of numbers.</summary>
    public IEnumerable<string> Errors() => _lines
        .Where(l => l.TryGetProperty("error", out _))
        .Select(l => $"{Text(l, "label")} / {Text(l, "target")} round {Number(l, "round")}: {Text(l, "error")}");

    /// <summary>The load averages the runs of a label saw (1-minute average at the end of each run).</summary>
    public IEnumerable<string> LoadAverages() => _lines.Select(l => Text(l, "load_average")).Where(s => s.Length > 0);

    private IEnumerable<JsonElement> Runs(string label, string target) => _lines.Where(l =>
        Text(l, "label") == label && Text(l, "target") == target && !l.TryGetProperty("error", out _));

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
