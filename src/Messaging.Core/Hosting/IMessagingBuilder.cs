namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Returned by <see cref="MessagingServiceCollectionExtensions.AddMessaging(IServiceCollection)"/>; adapter packages
/// add their <c>Use...</c> extension methods to it.
/// </summary>
public interface IMessagingBuilder
{
    /// <summary>The service collection the messaging services are registered in.</summary>
    IServiceCollection Services { get; }
}
