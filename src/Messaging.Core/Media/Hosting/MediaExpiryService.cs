using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Messaging;

/// <summary>Runs <see cref="MediaService.ExpireUploadsAsync"/> every <see cref="MediaOptions.ExpirySweepInterval"/> while the host runs.</summary>
internal sealed class MediaExpiryService(MediaService media, TimeProvider time, ILogger<MediaExpiryService> logger) : IHostedService
{
    private readonly PeriodicLoop _loop = new("media expiry", media.Options.ExpirySweepInterval, time, logger, async ct => await media.ExpireUploadsAsync(ct).ConfigureAwait(false));

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _loop.StopAsync();
}
