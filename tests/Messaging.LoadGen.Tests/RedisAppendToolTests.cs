using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Messaging.Testing;

namespace Messaging.LoadGen.Tests;

/// <summary>
/// <c>bench/redis-append.sh</c> measures the Redis store's append script alone, with the keys and arguments
/// <c>RedisMessageStore</c> passes. It checks each variant's first call before measuring, so when the script's
/// arguments change the tool stops instead of measuring something else; this short run fails with it, which keeps the
/// tool in step with the script.
/// </summary>
public sealed partial class RedisAppendToolTests
{
    private static readonly string[] Variants = ["send", "no-bookkeeping", "no-id-entry", "empty-call"];

    [Fact]
    public async Task A_short_run_measures_every_variant_of_the_append_script()
    {
        RedisServer.SkipWhenUnavailable();
        if (!File.Exists("/usr/bin/redis-benchmark"))
        {
            const string Reason = "redis-benchmark is not installed (Debian's redis-tools, which redis-server brings).";
            TestContext.Current.TestOutputHelper?.WriteLine("Skipped: " + Reason);
            Assert.Skip(Reason);
        }

        var bench = typeof(RedisAppendToolTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BenchDirectory").Value!;
        var output = await ToolProcess.RunAsync(
            new ProcessStartInfo("bash", [Path.Combine(bench, "redis-append.sh"), "--messages", "50", "--conversations", "2"]),
            TimeSpan.FromSeconds(90),
            TestContext.Current.CancellationToken);

        var results = Variants.ToDictionary(variant => variant, variant =>
        {
            var line = ResultLine().Matches(output).SingleOrDefault(m => m.Groups["variant"].Value == variant);
            Assert.True(line is not null, $"No result for {variant} in:\n{output}");
            Assert.Equal("100", line.Groups["calls"].Value);
            return (Cpu: double.Parse(line.Groups["cpu"].Value, CultureInfo.InvariantCulture), Kept: int.Parse(line.Groups["kept"].Value, CultureInfo.InvariantCulture));
        });

        // A send does more than a call that does nothing, and its id entry is memory the variant without it does not keep.
        Assert.True(results["send"].Cpu > results["empty-call"].Cpu, output);
        Assert.True(results["send"].Kept > results["no-id-entry"].Kept, output);
        Assert.Equal(0, results["empty-call"].Kept);
    }

    [GeneratedRegex(@"^this\s+(?<variant>[a-z-]+)\s+(?<cpu>[0-9.]+) us of Redis CPU per call\s+(?<kept>\d+) B kept per message\s+\((?<calls>\d+) calls\)$", RegexOptions.Multiline)]
    private static partial Regex ResultLine();
}
