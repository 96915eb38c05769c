using System.Runtime.CompilerServices;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using Xunit;
using Xunit.Sdk;

namespace Messaging.Conformance;

/// <summary>
/// Runs FsCheck laws with a printed, replayable seed. Set <c>MESSAGING_CONFORMANCE_SEED</c> to a printed seed to
/// replay a failure; each law runs on the thread pool so its async body never blocks a test's context.
/// </summary>
internal static class Laws
{
    /// <summary>The environment variable that replays a seed.</summary>
    public const string SeedVariable = "MESSAGING_CONFORMANCE_SEED";

    /// <summary>Checks an asynchronous law for <paramref name="maxTest"/> generated inputs.</summary>
    public static Task CheckAsync<T>(Gen<T> generator, Func<T, Task> law, int maxTest = 50, string seedVariable = SeedVariable, [CallerMemberName] string name = "")
    {
        var seed = SeedFromEnvironment(seedVariable) ?? (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        TestContext.Current.TestOutputHelper?.WriteLine($"{name}: FsCheck seed {seed} (replay: {seedVariable}={seed})");
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(maxTest)
            .WithQuietOnSuccess(true)
            .WithName(name)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed), FSharpOption<int>.None)));
        var property = Prop.ForAll(generator.ToArbitrary(), law);
        return Task.Run(
            () =>
            {
                try
                {
                    Check.One(config, property);
                }
                catch (Exception exception) when (exception is not XunitException)
                {
                    throw new XunitException($"Law '{name}' was falsified; replay with {seedVariable}={seed}.{Environment.NewLine}{exception.Message}");
                }
            },
            TestContext.Current.CancellationToken);
    }

    /// <summary>The seed to replay, when the environment names one.</summary>
    public static ulong? SeedFromEnvironment(string variable = SeedVariable)
        => ulong.TryParse(Environment.GetEnvironmentVariable(variable), out var seed) ? seed : null;
}
