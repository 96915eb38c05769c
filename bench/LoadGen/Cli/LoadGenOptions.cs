using System.Globalization;
using System.Net;
using Messaging.LoadGen.Measurement;

namespace Messaging.LoadGen.Cli;

/// <summary>The scenario to run.</summary>
internal enum Scenario
{
    Direct,
    Group,
    Idle,
    Presence,
    Catchup,

    /// <summary>One message at a time behind the delaying proxy: sequential Redis round trips before <c>sent</c> and delivery.</summary>
    Roundtrips,

    /// <summary>No clients at all: the Redis commands per second that idle gateways issue.</summary>
    RedisIdle,

    /// <summary>Direct traffic against gateways with a Kafka event log, and a reader of its topic.</summary>
    EventLog,
}

/// <summary>The kind of server behind <see cref="LoadGenOptions.Server"/>.</summary>
internal enum TargetKind
{
    /// <summary>Our gateway: protocol v1 frames on <c>/ws</c>, REST to create conversations.</summary>
    Ours,

    /// <summary>bench/Baselines/SignalRChat: a SignalR hub on <c>/hub</c>.</summary>
    SignalR,

    /// <summary>bench/Baselines/RawWebSocket: opaque text frames on <c>/ws</c>.</summary>
    Raw,
}

/// <summary>Command line of the load generator (see <see cref="Usage"/>).</summary>
internal sealed record LoadGenOptions
{
    public const string Usage = """
        usage: LoadGen --server URL --scenario direct|group|idle|presence|catchup|roundtrips|redis-idle|event-log --target ours|signalr|raw
                       [--rate N | --saturate] [--duration S] [--warmup S] [--jit-quiet S] [--jit-budget-ms MS] [--warmup-max S]
                       [--warmup-unchecked S] [--pairs N] [--group-size N] [--senders N] [--window N] [--size BYTES]
                       [--connections N] [--sources N] [--hold S] [--messages N] [--trials N] [--server2 URL]
                       [--redis HOST:PORT] [--redis-proxy URL] [--delay-ms D] [--gateways N] [--kafka BOOTSTRAP] [--topic NAME]
                       [--label TEXT] [--name TEXT] [--round N] [--out FILE]
               LoadGen redis-proxy --upstream HOST:PORT [--delay-ms D]
          direct      N pairs chatting 1:1 (both ways); delivered messages/s and send->receive latency; with --server2
                      each pair's users sit on different servers (cross-node: every message crosses the backplane)
          group       one group of --group-size members, --senders of them sending; deliveries/s and latency
          idle        --connections idle sockets from --sources 127.0.0.x addresses; server memory per connection
          presence    time from a user's connect/disconnect (on --server2 when given) to a watcher's presence frame
          catchup     a device offline for --messages messages reconnects; time until it has all of them
          roundtrips  --messages messages one at a time (recipient on --server2 when given), without and with
                      --delay-ms on the proxy at --redis-proxy: sequential Redis round trips before sent and delivery
          redis-idle  no clients: Redis commands per second over --duration from the --gateways idle servers
          event-log   direct traffic (as direct, --rate or --saturate) against servers appending to a Kafka event log,
                      and a reader of its topic (--topic, default messaging.events) on the brokers at --kafka:
                      committed messages/s reaching the reader, commit -> reader and send -> reader latency
          --warmup    traffic runs warm up at least this long, then until the server's JIT spent at most
                      --jit-budget-ms (default 20) compiling over the last --jit-quiet (default 2 s), at most
                      --warmup-max (default 40 s); a server that does not report JIT counters gets a fixed
                      --warmup-unchecked (default 10 s)
          --redis     the Redis server to read INFO commandstats from at the start and end of the measurement
          --name      the target name recorded in the result (default: --target), e.g. ours-before for an older
                      build of our server spoken to exactly as ours
        Results are one JSON line on stdout (and appended to --out).
        """;

    public required Uri Server { get; init; }

    public Uri? Server2 { get; init; }

    public Scenario Scenario { get; init; } = Scenario.Direct;

    public TargetKind Target { get; init; } = TargetKind.Ours;

    /// <summary>
    /// The target name written to the result: <see cref="Target"/> in lower case unless <c>--name</c> gives another, so
    /// two builds of one server (ours and ours-before) are driven by the same client code and told apart in the results.
    /// </summary>
    public string Name => NameOverride ?? Target.ToString().ToLowerInvariant();

    private string? NameOverride { get; init; }

    /// <summary>Offered messages per second over all senders; <see langword="null"/> with <see cref="Saturate"/>.</summary>
    public double? Rate { get; init; }

    public bool Saturate { get; init; }

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The window over which the server's JIT must stay within <see cref="JitBudgetMs"/> for the warm-up to end.</summary>
    public TimeSpan JitQuiet { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Milliseconds of JIT compilation the server may still spend over <see cref="JitQuiet"/> when warm.</summary>
    public double JitBudgetMs { get; init; } = 20;

    /// <summary>Warm-up ends here even if the server's JIT is still compiling.</summary>
    public TimeSpan WarmupMax { get; init; } = TimeSpan.FromSeconds(40);

    /// <summary>The fixed warm-up of a server that does not report its JIT counters.</summary>
    public TimeSpan WarmupUnchecked { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The warm-up of traffic runs (see <see cref="JitWarmup"/>).</summary>
    public WarmupPolicy WarmupPolicy => new(Warmup, JitQuiet, JitBudgetMs, TimeSpan.FromTicks(Math.Max(WarmupMax.Ticks, Warmup.Ticks)), WarmupUnchecked);

    /// <summary>The Redis server whose <c>INFO commandstats</c> the run reads, or <see langword="null"/>.</summary>
    public IPEndPoint? Redis { get; init; }

    /// <summary>The control endpoint of a <c>redis-proxy</c> the servers use, or <see langword="null"/>.</summary>
    public Uri? RedisProxy { get; init; }

    /// <summary>The delay the <c>roundtrips</c> scenario sets on the proxy, in milliseconds.</summary>
    public double DelayMs { get; init; } = 50;

    /// <summary>How many gateways the run's servers are (recorded; <c>redis-idle</c> is run against all of them).</summary>
    public int? Gateways { get; init; }

    /// <summary>The Kafka brokers (loopback <c>host:port</c> pairs, comma-separated) whose event log topic <c>event-log</c> reads.</summary>
    public string? Kafka { get; init; }

    /// <summary>The event log's topic.</summary>
    public string Topic { get; init; } = Messaging.Transports.Kafka.KafkaEventLogOptions.DefaultTopic;

    public int Pairs { get; init; } = 20;

    public int GroupSize { get; init; } = 100;

    public int Senders { get; init; } = 4;

    /// <summary>Messages a sender may have in flight at saturation (sent, not yet received by every recipient).</summary>
    public int Window { get; init; } = 8;

    public int PayloadSize { get; init; } = 64;

    public int Connections { get; init; } = 1000;

    public int Sources { get; init; } = 1;

    public TimeSpan Hold { get; init; } = TimeSpan.FromSeconds(5);

    public int Messages { get; init; } = 10_000;

    public int Trials { get; init; } = 50;

    public string Label { get; init; } = string.Empty;

    public int Round { get; init; }

    public string? Out { get; init; }

    /// <summary>Parses the command line; throws <see cref="ArgumentException"/> with the problem.</summary>
    public static LoadGenOptions Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var saturate = false;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--saturate")
            {
                saturate = true;
                continue;
            }

            if (!name.StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                throw new ArgumentException($"Unexpected argument \"{name}\".");
            }

            values[name[2..]] = args[++i];
        }

        string? Get(string name) => values.Remove(name, out var value) ? value : null;
        int Int(string name, int fallback) => Get(name) is { } v ? Positive(int.Parse(v, CultureInfo.InvariantCulture), name) : fallback;
        TimeSpan Seconds(string name, TimeSpan fallback) =>
            Get(name) is { } v ? TimeSpan.FromSeconds(double.Parse(v, CultureInfo.InvariantCulture)) : fallback;

        var server = Get("server") ?? throw new ArgumentException("--server is required.");
        var options = new LoadGenOptions
        {
            Server = new Uri(server.TrimEnd('/') + "/"),
            Server2 = Get("server2") is { } second ? new Uri(second.TrimEnd('/') + "/") : null,
            Scenario = Enum.Parse<Scenario>((Get("scenario") ?? "direct").Replace("-", string.Empty, StringComparison.Ordinal), ignoreCase: true),
            Target = Enum.Parse<TargetKind>(Get("target") ?? "ours", ignoreCase: true),
            Rate = Get("rate") is { } rate ? double.Parse(rate, CultureInfo.InvariantCulture) : null,
            Saturate = saturate,
            Duration = Seconds("duration", TimeSpan.FromSeconds(10)),
            Warmup = Seconds("warmup", TimeSpan.FromSeconds(2)),
            JitQuiet = Seconds("jit-quiet", TimeSpan.FromSeconds(2)),
            JitBudgetMs = Get("jit-budget-ms") is { } budget ? double.Parse(budget, CultureInfo.InvariantCulture) : 20,
            WarmupMax = Seconds("warmup-max", TimeSpan.FromSeconds(40)),
            WarmupUnchecked = Seconds("warmup-unchecked", TimeSpan.FromSeconds(10)),
            Redis = Get("redis") is { } redis ? RedisServerStats.ParseLoopbackEndpoint(redis, "redis") : null,
            RedisProxy = Get("redis-proxy") is { } proxy ? new Uri(proxy.TrimEnd('/') + "/") : null,
            DelayMs = Get("delay-ms") is { } delay ? double.Parse(delay, CultureInfo.InvariantCulture) : 50,
            Gateways = Get("gateways") is { } gateways ? Positive(int.Parse(gateways, CultureInfo.InvariantCulture), "gateways") : null,
            Kafka = Get("kafka") is { } kafka ? LoopbackBrokers(kafka) : null,
            Topic = Get("topic") ?? Messaging.Transports.Kafka.KafkaEventLogOptions.DefaultTopic,
            Pairs = Int("pairs", 20),
            GroupSize = Int("group-size", 100),
            Senders = Int("senders", 4),
            Window = Int("window", 8),
            PayloadSize = Int("size", 64),
            Connections = Int("connections", 1000),
            Sources = Int("sources", 1),
            Hold = Seconds("hold", TimeSpan.FromSeconds(5)),
            Messages = Int("messages", 10_000),
            Trials = Int("trials", 50),
            Label = Get("label") ?? string.Empty,
            NameOverride = Get("name") is { Length: > 0 } targetName ? targetName : null,
            Round = Get("round") is { } round ? int.Parse(round, CultureInfo.InvariantCulture) : 0,
            Out = Get("out"),
        };

        if (values.Count > 0)
        {
            throw new ArgumentException($"Unknown option --{values.Keys.First()}.");
        }

        if (options.Scenario is Scenario.Direct or Scenario.Group or Scenario.EventLog && options.Rate is null == !options.Saturate)
        {
            throw new ArgumentException("Give either --rate N or --saturate.");
        }

        if (options.Scenario == Scenario.Roundtrips && (options.RedisProxy is null || options.DelayMs <= 0))
        {
            throw new ArgumentException("The roundtrips scenario needs --redis-proxy URL and a positive --delay-ms.");
        }

        if (options.Scenario == Scenario.EventLog && options.Kafka is null)
        {
            throw new ArgumentException("The event-log scenario needs --kafka BOOTSTRAP (the brokers of the servers' event log).");
        }

        if (options.Scenario == Scenario.RedisIdle && options.Redis is null)
        {
            throw new ArgumentException("The redis-idle scenario needs --redis HOST:PORT.");
        }

        if (!options.Server.IsLoopback || options.Server2 is { IsLoopback: false } || options.RedisProxy is { IsLoopback: false })
        {
            throw new ArgumentException("The load generator only drives servers on loopback.");
        }

        return options;
    }

    // Brokers as host:port pairs; like the servers, only on loopback.
    private static string LoopbackBrokers(string value)
    {
        foreach (var broker in value.Split(',', StringSplitOptions.TrimEntries))
        {
            var colon = broker.LastIndexOf(':');
            var host = colon > 0 ? broker[..colon].Trim('[', ']') : string.Empty;
            if (colon <= 0 || !int.TryParse(broker[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _)
                || !(host == "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address))))
            {
                throw new ArgumentException($"--kafka takes loopback host:port pairs, not \"{broker}\".");
            }
        }

        return value;
    }

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new ArgumentException($"--{name} must be positive.");
}
