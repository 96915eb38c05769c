using Microsoft.Extensions.Logging;

namespace Messaging;

/// <summary>A background loop that runs a body every interval on the engine's <see cref="TimeProvider"/>; a failing run is logged and the loop goes on.</summary>
internal sealed class PeriodicLoop(string name, TimeSpan interval, TimeProvider timeProvider, ILogger logger, Func<CancellationToken, ValueTask> body)
{
    private CancellationTokenSource? _stopping;
    private Task _loop = Task.CompletedTask;

    /// <summary>Starts the loop (no-op when running).</summary>
    public void Start()
    {
        if (_stopping is not null)
        {
            return;
        }

        _stopping = new CancellationTokenSource();
        _loop = Task.Run(() => RunAsync(_stopping.Token));
    }

    /// <summary>Stops the loop and waits for the current run.</summary>
    /// <returns>A task that completes when stopped.</returns>
    public async Task StopAsync()
    {
        if (_stopping is not { } stopping)
        {
            return;
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        stopping.Dispose();
        _stopping = null;
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await body(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
                {
                    logger.BackgroundLoopFailed(name, exception);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped.
        }
    }
}
