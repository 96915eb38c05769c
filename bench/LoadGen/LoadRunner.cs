using Messaging.LoadGen.Cli;
using Messaging.LoadGen.EventLog;
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
        timeout.CancelAfter(options.WarmupPolicy.Maximum + options.WarmupPolicy.Unchecked + options.Duration + options.Hold + Overhead);
        using var sockets = new LoopbackSockets(options.Sources);
        await using var target = Create(options.Target, options.Server, sockets, acknowledge: options.Scenario != Scenario.Idle);
        var ct = timeout.Token;

        // Traffic between two gateways: the second server is a second target of the same kind.
        await using var other = options.Server2 is { } otherServer && options.Scenario is Scenario.Direct or Scenario.Group or Scenario.Roundtrips or Scenario.EventLog
            ? Create(options.Target, otherServer, sockets, acknowledge: true)
            : null;
        IChatTarget[] servers = other is null ? [target] : [target, other];
        switch (options.Scenario)
        {
            case Scenario.Direct:
                return await DirectScenario.RunAsync(servers, options, ct).ConfigureAwait(false);
            case Scenario.Group:
                return await GroupScenario.RunAsync(servers, options, ct).ConfigureAwait(false);
            case Scenario.Roundtrips:
                RequireOurs(options);
                return await RoundTripScenario.RunAsync(servers, options, ct).ConfigureAwait(false);
            case Scenario.EventLog:
                RequireOurs(options);
                return await EventLogScenario.RunAsync(servers, options, ct).ConfigureAwait(false);
            case Scenario.RedisIdle:
                return await RedisIdleScenario.RunAsync(options, ct).ConfigureAwait(false);
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
            throw new NotSupportedException($"The {options.Scenario} scenario needs presence, stored history, sent confirmations or an event log, which only our server has.");
        }
    }
}
