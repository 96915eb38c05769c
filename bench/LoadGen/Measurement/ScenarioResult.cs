using System.Text.Json;
using System.Text.Json.Serialization;

namespace Messaging.LoadGen.Measurement;

/// <summary>One run's result, written as one JSON line (snake_case; absent values omitted).</summary>
internal sealed record ScenarioResult
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public required string Scenario { get; init; }

    public required string Target { get; init; }

    public string? Label { get; init; }

    public int Round { get; init; }

    public string? Mode { get; init; }

    public double? OfferedRate { get; init; }

    public int? Pairs { get; init; }

    public int? GroupSize { get; init; }

    public int? Senders { get; init; }

    public int? Connections { get; init; }

    public double? DurationS { get; init; }

    public long? Sent { get; init; }

    public long? Delivered { get; init; }

    /// <summary>Messages (direct) or per-member deliveries (group) received per second during the measurement.</summary>
    public double? DeliveredPerSec { get; init; }

    /// <summary>Deliveries still missing after the drain (expected 0).</summary>
    public long? Undelivered { get; init; }

    public Percentiles? LatencyMs { get; init; }

    /// <summary>Bytes the server allocated per delivery while measuring.</summary>
    public double? ServerAllocPerDeliveryBytes { get; init; }

    /// <summary>Server CPU time per delivery while measuring, in microseconds (independent of what else runs on the machine).</summary>
    public double? ServerCpuPerDeliveryUs { get; init; }

    /// <summary>
    /// The load generator's own CPU time per delivery while measuring, in microseconds: client and server share the
    /// cores, so a costlier client leaves its target less CPU.
    /// </summary>
    public double? ClientCpuPerDeliveryUs { get; init; }

    public int? Held { get; init; }

    public double? RssPerConnBytes { get; init; }

    public double? GcHeapPerConnBytes { get; init; }

    public Percentiles? OnlineMs { get; init; }

    public Percentiles? OfflineMs { get; init; }

    public double? CatchupMsgsPerSec { get; init; }

    public double? CatchupSeconds { get; init; }

    public string? Error { get; init; }

    public string Timestamp { get; init; } = DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    public string? LoadAverage { get; init; } = ReadLoadAverage();

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    private static string? ReadLoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
