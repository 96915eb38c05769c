namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The <see cref="IMessagingBuilder"/> of <see cref="MessagingServiceCollectionExtensions.AddMessaging(IServiceCollection)"/>.</summary>
/// <param name="services">The service collection.</param>
internal sealed class MessagingBuilder(IServiceCollection services) : IMessagingBuilder
{
    /// <inheritdoc />
    public IServiceCollection Services { get; } = services;
}
