using System.Text.Json;

namespace Messaging.LoadGen.Measurement;

/// <summary>
/// A server's memory and CPU as it reports it on <c>GET /bench/stats</c> (every bench server maps it; a server without
/// the endpoint, such as the test host, gives <see langword="null"/>).
/// </summary>
internal sealed record ServerStats(long RssBytes, long GcHeapBytes, long GcCommittedBytes, long AllocatedBytes, double CpuMs)
{
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
            root.GetProperty("cpu_ms").GetDouble());
    }
}
