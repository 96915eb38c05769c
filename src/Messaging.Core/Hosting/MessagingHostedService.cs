using Microsoft.Extensions.Hosting;

namespace Messaging;

/// <summary>Starts and stops the <see cref="MessagingEngine"/> with the host.</summary>
/// <param name="engine">The engine singleton.</param>
internal sealed class MessagingHostedService(MessagingEngine engine) : IHostedService
{
    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => engine.StartAsync(cancellationToken);

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => engine.StopAsync(cancellationToken);
}
