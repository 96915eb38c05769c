using System.Text.Json;

namespace Messaging.LoadGen.Measurement;

/// <summary>
/// A server's memory, CPU and JIT counters as it reports them on <c>GET /bench/stats</c> (every bench server maps it; a
/// server without the endpoint, such as the test host, gives <see langword="null"/>). <see cref="JitMethods"/> and
/// <see cref="JitMs"/> are <see langword="null"/> for a build whose bench server predates them (an older
/// <c>ours-before</c>): its warm-up cannot be checked and the report says "n/a".
/// </summary>
internal sealed record ServerStats(long RssBytes, long GcHeapBytes, long GcCommittedBytes, long AllocatedBytes, double CpuMs)
{
    /// <summary>Methods the server's JIT compiled so far (every tier), or <see langword="null"/> when it does not say.</summary>
    public long? JitMethods { get; init; }

    /// <summary>Time the server's JIT spent compiling so far, in milliseconds, or <see langword="null"/> when it does not say.</summary>
    public double? JitMs { get; init; }

    public static async Task<ServerStats?> FetchAsync(HttpClient http, bool collect, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(collect ? "bench/stats?gc=1" : "bench/stats", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Unauthorized)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        var root = json.RootElement;
        return new ServerStats(
            root.GetProperty("rss_bytes").GetInt64(),
            root.GetProperty("gc_heap_bytes").GetInt64(),
            root.GetProperty("gc_committed_bytes").GetInt64(),
            root.GetProperty("allocated_bytes").GetInt64(),
            root.GetProperty("cpu_ms").GetDouble())
        {
            JitMethods = root.TryGetProperty("jit_methods", out var methods) ? methods.GetInt64() : null,
            JitMs = root.TryGetProperty("jit_ms", out var jitMs) ? jitMs.GetDouble() : null,
        };
    }

    /// <summary>
    /// The sum over several server processes (a cross-node run measures both gateways): <see langword="null"/> when any of
    /// them has no stats; JIT counters only when every one of them reports them.
    /// </summary>
    public static ServerStats? Sum(IReadOnlyList<ServerStats?> servers)
    {
        if (servers.Count == 0 || servers.Any(s => s is null))
        {
            return null;
        }

        var all = servers.Select(s => s!).ToList();
        var jit = all.All(s => s.JitMethods is not null && s.JitMs is not null);
        return new ServerStats(all.Sum(s => s.RssBytes), all.Sum(s => s.GcHeapBytes), all.Sum(s => s.GcCommittedBytes), all.Sum(s => s.AllocatedBytes), all.Sum(s => s.CpuMs))
        {
            JitMethods = jit ? all.Sum(s => s.JitMethods!.Value) : null,
            JitMs = jit ? all.Sum(s => s.JitMs!.Value) : null,
        };
    }
}
