using Messaging.Bench.Report;

// Turns one bench/run.sh run (results.jsonl, machine.txt, the BenchmarkDotNet report) into docs/benchmarks.md and
// PNG charts. The hand-written analysis between the ANALYSIS markers of an existing docs/benchmarks.md is kept.
// --results may be given more than once (e.g. a full run and a later `bench/run.sh --only redis`): the lines of all
// files count, so a scenario measured in both has the rounds of both.
//   dotnet run --project bench/Report -- --results R.jsonl [--results R2.jsonl] --machine M.txt [--micro X.md] --out docs/benchmarks.md --images docs/img --command "bench/run.sh ..."
string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

var resultsPaths = args.Select((arg, i) => (arg, i)).Where(x => x.arg == "--results" && x.i + 1 < args.Length).Select(x => args[x.i + 1]).ToList();
var resultsPath = resultsPaths.FirstOrDefault();
var outPath = Arg("--out");
if (resultsPath is null || outPath is null)
{
    Console.Error.WriteLine("usage: Report --results FILE [--results FILE...] --out FILE [--machine FILE] [--micro FILE] [--images DIR] [--command TEXT]");
    return 2;
}

var results = ResultSet.Load(resultsPaths);
var imagesDir = Arg("--images") ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outPath))!, "img");
Directory.CreateDirectory(imagesDir);
var charts = Charts.Write(results, imagesDir, Path.GetDirectoryName(Path.GetFullPath(outPath))!);

var document = new ReportDocument(
    results,
    Arg("--machine") is { } machine && File.Exists(machine) ? File.ReadAllText(machine) : "(machine description missing)",
    Arg("--micro") is { } micro && File.Exists(micro) ? File.ReadAllText(micro) : null,
    Arg("--command") ?? "bench/run.sh",
    Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(resultsPath))) ?? string.Empty,
    charts);
var existing = File.Exists(outPath) ? File.ReadAllText(outPath) : null;
File.WriteAllText(outPath, document.Render(existing));
Console.WriteLine($"wrote {outPath} and {charts.Count} charts");
return 0;
