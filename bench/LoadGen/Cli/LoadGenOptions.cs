using System.Globalization;

namespace Messaging.LoadGen.Cli;

/// <summary>The scenario to run.</summary>
internal enum Scenario
{
    Direct,
    Group,
    Idle,
    Presence,
    Catchup,
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
        usage: LoadGen --server URL --scenario direct|group|idle|presence|catchup --target ours|signalr|raw
                       [--rate N | --saturate] [--duration S] [--warmup S] [--pairs N] [--group-size N] [--senders N]
                       [--window N] [--size BYTES] [--connections N] [--sources N] [--hold S] [--messages N]
                       [--trials N] [--server2 URL] [--label TEXT] [--name TEXT] [--round N] [--out FILE]
          direct    N pairs chatting 1:1 (both ways); delivered messages/s and send->receive latency
          group     one group of --group-size members, --senders of them sending; deliveries/s and latency
          idle      --connections idle sockets from --sources 127.0.0.x addresses; server memory per connection
          presence  time from a user's connect/disconnect (on --server2 when given) to a watcher's presence frame
          catchup   a device offline for --messages messages reconnects; time until it has all of them
          --name    the target name recorded in the result (default: --target), e.g. ours-before for an older
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
            Scenario = Enum.Parse<Scenario>(Get("scenario") ?? "direct", ignoreCase: true),
            Target = Enum.Parse<TargetKind>(Get("target") ?? "ours", ignoreCase: true),
            Rate = Get("rate") is { } rate ? double.Parse(rate, CultureInfo.InvariantCulture) : null,
            Saturate = saturate,
            Duration = Seconds("duration", TimeSpan.FromSeconds(10)),
            Warmup = Seconds("warmup", TimeSpan.FromSeconds(2)),
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

        if (options.Scenario is Scenario.Direct or Scenario.Group && options.Rate is null == !options.Saturate)
        {
            throw new ArgumentException("Give either --rate N or --saturate.");
        }

        if (!options.Server.IsLoopback || options.Server2 is { IsLoopback: false })
        {
            throw new ArgumentException("The load generator only drives servers on loopback.");
        }

        return options;
    }

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new ArgumentException($"--{name} must be positive.");
}
