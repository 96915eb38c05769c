using FsCheck.Fluent;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using Xunit.Sdk;

namespace Messaging.Conformance;

/// <summary>
/// A model-based test of the whole engine: random command lists (sends, resends, disconnects, reconnects, syncs,
/// acks, typing, membership changes) over four users with two devices each, on two nodes sharing one
/// <see cref="MessagingBackplane"/>, compared with a reference model. Inherit and supply <see cref="CreateBackplaneAsync"/>.
/// </summary>
/// <remarks>
/// <para>
/// Conversations: a direct one (users 0 and 1), a small group (users 0-2: write path) and a large group (users 0-3:
/// read path), with <c>WritePathMaxMembers</c> = 3, so adding a member to the small group switches it to the read path.
/// After the commands every device is connected and synced; then every device must have received each message of
/// each conversation for the period its user was a member (first arrivals in seq order), nothing sent while its user
/// was removed, no tombstone and no own typing; seqs are 1..n; duplicates return the original; watermarks never move
/// backwards; unread = last seq - read mark.
/// </para>
/// <para>
/// Each run prints its seed; <c>MESSAGING_MODEL_SEED=&lt;seed&gt;</c> replays the same command lists (delivery timing
/// may still differ between runs). A failure prints the seed and the command list.
/// </para>
/// </remarks>
public abstract class EngineModelConformanceTests : ConformanceSuite
{
    /// <summary>The environment variable that replays a model seed.</summary>
    public const string SeedVariable = "MESSAGING_MODEL_SEED";

    /// <summary>How many random command lists one test runs.</summary>
    protected virtual int Runs => 15;

    /// <summary>Creates the roles both nodes share, fresh for each run.</summary>
    /// <returns>The backplane and stores.</returns>
    protected abstract ValueTask<MessagingBackplane> CreateBackplaneAsync();

    /// <summary>Registers per-node services before the shared ones.</summary>
    /// <param name="services">The node's services.</param>
    /// <param name="nodeIndex">0 or 1.</param>
    protected virtual void ConfigureNode(IServiceCollection services, int nodeIndex)
    {
    }

    /// <summary>The engine keeps its guarantees under random sequences of client and admin commands.</summary>
    /// <returns>A task that completes when verified.</returns>
    [Fact]
    public Task Engine_matches_the_reference_model_under_random_commands()
        => Laws.CheckAsync(ModelCommand.Script, RunAsync, maxTest: Runs, seedVariable: SeedVariable);

    /// <summary>Options of both nodes.</summary>
    /// <param name="options">The options.</param>
    protected virtual void ConfigureOptions(MessagingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.WritePathMaxMembers = 3;
    }

    private async Task RunAsync(ModelScript script)
    {
        var backplane = await CreateBackplaneAsync();
        var cluster = await EngineCluster.StartAsync(backplane, 2, ConfigureOptions, ConfigureNode, Token);
        var run = new ModelRun(cluster.Nodes, backplane, WaitForAsync, Token);
        var step = "set-up";
        try
        {
            await run.SetUpAsync();
            for (var i = 0; i < script.Commands.Count; i++)
            {
                step = $"step {i + 1} ({script.Commands[i]})";
                await run.ExecuteAsync(script.Commands[i]);
            }

            step = "the final sync";
            await run.FinishAsync();
            step = "verification";
            await new ModelVerifier(run, cluster.Nodes, backplane, Token).VerifyAsync();
        }
        catch (Exception exception) when (exception is not SkipException)
        {
            throw new XunitException($"Model run failed at {step}: {exception.Message}{Environment.NewLine}Commands:{Environment.NewLine}{script}", exception);
        }
        finally
        {
            await run.DisconnectAllAsync();
            await cluster.DisposeAsync();
        }
    }
}
