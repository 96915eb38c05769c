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

        // The timer exists before Start returns, so time that passes from here on counts towards the first tick.
        _stopping = new CancellationTokenSource();
        var timer = new PeriodicTimer(interval, timeProvider);
        var token = _stopping.Token;
        _loop = Task.Run(() => RunAsync(timer, token));
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

    private async Task RunAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        using var owned = timer;
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
