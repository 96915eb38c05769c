using System.Text.Json;

namespace Messaging.LoadGen.Measurement;

/// <summary>A server's memory as it reports it on <c>GET /bench/stats</c> (every bench server maps it).</summary>
internal sealed record ServerStats(long RssBytes, long GcHeapBytes, long GcCommittedBytes)
{
    public static async Task<ServerStats> FetchAsync(HttpClient http, bool collect, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(collect ? "bench/stats?gc=1" : "bench/stats", cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        var root = json.RootElement;
        return new ServerStats(
            root.GetProperty("rss_bytes").GetInt64(),
            root.GetProperty("gc_heap_bytes").GetInt64(),
            root.GetProperty("gc_committed_bytes").GetInt64());
    }
}
