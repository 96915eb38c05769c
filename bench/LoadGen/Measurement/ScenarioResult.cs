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

    /// <summary>Gateways (server processes sharing one Redis) the run used, when more than one or when it is the point.</summary>
    public int? Gateways { get; init; }

    public double? DurationS { get; init; }

    public long? Sent { get; init; }

    public long? Delivered { get; init; }

    /// <summary>Messages (direct) or per-member deliveries (group) received per second during the measurement.</summary>
    public double? DeliveredPerSec { get; init; }

    /// <summary>Deliveries still missing after the drain (expected 0).</summary>
    public long? Undelivered { get; init; }

    /// <summary>Frames the server refused during the whole run, by error code (absent when none: expected).</summary>
    public IReadOnlyDictionary<string, long>? Rejected { get; init; }

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

    /// <summary>Length of the warm-up before the measurement, in seconds.</summary>
    public double? WarmupS { get; init; }

    /// <summary>
    /// Whether the server's JIT stopped compiling new methods before the warm-up ended (<see langword="false"/>: the
    /// warm-up cap was reached first); absent when the server does not report its JIT counters.
    /// </summary>
    public bool? JitSettled { get; init; }

    /// <summary>Methods the server's JIT compiled during the measurement window (expected about 0 once warm).</summary>
    public long? JitMethodsMeasured { get; init; }

    /// <summary>Time the server's JIT spent compiling during the measurement window, in milliseconds.</summary>
    public double? JitMsMeasured { get; init; }

    /// <summary>Redis commands during the measurement (with <c>--redis</c>), per delivered message or per second.</summary>
    public RedisUsage? Redis { get; init; }

    /// <summary>Sequential Redis round trips of one send, from a run behind the delaying proxy (<c>roundtrips</c>).</summary>
    public RoundTrips? RoundTrips { get; init; }

    /// <summary>What a reader of the Kafka event log saw during the measurement (<c>event-log</c>).</summary>
    public EventLogUsage? EventLog { get; init; }

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

    /// <summary>Redis work per delivered message (traffic runs) or per second (idle gateways).</summary>
    internal static RedisUsage? Usage(RedisServerStats? executed, long? sentCommands, double per)
    {
        if (executed is null || per <= 0)
        {
            return null;
        }

        return new RedisUsage
        {
            Commands = Math.Round(executed.Total / per, 2),
            ScriptCalls = Math.Round(executed.ScriptCalls / per, 2),
            CommandsSent = sentCommands is { } sent ? Math.Round(sent / per, 2) : null,
            CommandsInScripts = sentCommands is { } s ? Math.Round((executed.Total - s) / per, 2) : null,
            CpuUs = Math.Round(executed.CpuSeconds * 1_000_000 / per, 1),
            // A run that freed more than it kept (the allocator's own churn, with nothing stored) kept nothing.
            MemoryBytes = Math.Round(Math.Max(0, executed.UsedMemory) / per, 1),
        };
    }

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

/// <summary>
/// Redis work, per delivered message or per second (see <see cref="ScenarioResult.Redis"/>): every command Redis executed
/// (<c>INFO commandstats</c>, scripts' inner commands included), the script calls among them, the server's CPU time
/// (<c>INFO cpu</c>), the growth of its memory (<c>INFO memory</c>), and, behind the counting proxy, the commands clients sent (a script call counted once) and the
/// commands scripts ran on their behalf.
/// </summary>
internal sealed record RedisUsage
{
    public double Commands { get; init; }

    public double ScriptCalls { get; init; }

    public double? CommandsSent { get; init; }

    public double? CommandsInScripts { get; init; }

    /// <summary>The Redis server's CPU time (user and system) in microseconds, per message or per second like the rest.</summary>
    public double CpuUs { get; init; }

    /// <summary>
    /// How much the server's <c>used_memory</c> grew, in bytes, per message or per second: what a message leaves behind
    /// in Redis (stored copies, claims, index entries), as long as nothing expires during the run.
    /// </summary>
    public double MemoryBytes { get; init; }

    /// <summary>What <see cref="Commands"/> and the others are divided by: <c>message</c> or <c>second</c>.</summary>
    public string Per { get; init; } = "message";
}

/// <summary>
/// A reader of the event log's topic over the measurement window: committed messages that reached it (per second), the
/// time from commit (the message's timestamp, set by the gateway when it commits) and from send (the load generator's
/// clock) to the reader, and the topic's partitions.
/// </summary>
internal sealed record EventLogUsage
{
    public int Partitions { get; init; }

    /// <summary>
    /// Whether the log had caught up with the commits when the measurement started (the last message read was committed
    /// at most a second before); <see langword="false"/>: it was still behind after a minute, so it does not keep up.
    /// </summary>
    public bool CaughtUp { get; init; }

    /// <summary>Distinct messages sent while measuring that the reader read while measuring.</summary>
    public long Messages { get; init; }

    /// <summary>Copies of those read again (an append retried after a failure; the log is at-least-once).</summary>
    public long Duplicates { get; init; }

    public double MessagesPerSec { get; init; }

    public required Percentiles CommitToLogMs { get; init; }

    public required Percentiles SendToLogMs { get; init; }
}

/// <summary>
/// Sequential Redis round trips of one message sent at a time: the fastest send → <c>sent</c> and send → delivery, without
/// and with the proxy's delay; round trips = (delayed − undelayed) ÷ delay, rounded.
/// </summary>
internal sealed record RoundTrips
{
    public double DelayMs { get; init; }

    public int Messages { get; init; }

    public long BeforeSent { get; init; }

    public long BeforeDelivery { get; init; }

    public double SentMs { get; init; }

    public double DeliveredMs { get; init; }

    public double BaseSentMs { get; init; }

    public double BaseDeliveredMs { get; init; }

    /// <summary>
    /// Length of the delayed phase per message sent in it: what a background rate (idle gateways' commands per second)
    /// contributes to the commands per message is that rate times this.
    /// </summary>
    public double SecondsPerMessage { get; init; }
}
