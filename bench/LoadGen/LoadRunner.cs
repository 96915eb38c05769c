using Messaging.LoadGen.Cli;
using Messaging.LoadGen.Measurement;
using Messaging.LoadGen.Scenarios;
using Messaging.LoadGen.Targets;

namespace Messaging.LoadGen;

/// <summary>Runs one scenario against one target, bounded in time, and returns its result.</summary>
internal static class LoadRunner
{
    /// <summary>Beyond the scenario's own duration: connecting, setup, drain and teardown.</summary>
    private static readonly TimeSpan Overhead = TimeSpan.FromMinutes(4);

    public static async Task<ScenarioResult> RunAsync(LoadGenOptions options, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Warmup + options.Duration + options.Hold + Overhead);
        using var sockets = new LoopbackSockets(options.Sources);
        await using var target = Create(options.Target, options.Server, sockets, acknowledge: options.Scenario != Scenario.Idle);
        var ct = timeout.Token;
        switch (options.Scenario)
        {
            case Scenario.Direct:
                return await DirectScenario.RunAsync(target, options, ct).ConfigureAwait(false);
            case Scenario.Group:
                return await GroupScenario.RunAsync(target, options, ct).ConfigureAwait(false);
            case Scenario.Idle:
                return await IdleScenario.RunAsync(target, options, ct).ConfigureAwait(false);
            case Scenario.Presence:
                RequireOurs(options);
                if (options.Server2 is { } second)
                {
                    await using var subjects = Create(options.Target, second, sockets, acknowledge: false);
                    return await PresenceScenario.RunAsync(target, subjects, options, ct).ConfigureAwait(false);
                }

                return await PresenceScenario.RunAsync(target, target, options, ct).ConfigureAwait(false);
            case Scenario.Catchup:
                RequireOurs(options);
                return await CatchUpScenario.RunAsync(target, options, ct).ConfigureAwait(false);
            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.Scenario, "Unknown scenario.");
        }
    }

    private static IChatTarget Create(TargetKind kind, Uri server, LoopbackSockets sockets, bool acknowledge) => kind switch
    {
        TargetKind.Ours => new OursTarget(server, sockets, acknowledge),
        TargetKind.SignalR => new SignalRTarget(server, sockets),
        TargetKind.Raw => new RawTarget(server, sockets),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown target."),
    };

    private static void RequireOurs(LoadGenOptions options)
    {
        if (options.Target != TargetKind.Ours)
        {
            throw new NotSupportedException($"The {options.Scenario} scenario needs presence or stored history, which only our server has.");
        }
    }
}
