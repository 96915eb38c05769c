using Messaging;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers media uploads (<see cref="MediaService"/>) and their default stores.</summary>
public static class MediaServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="MediaService"/>, its options (validated at start), a hosted sweep of abandoned uploads,
    /// and defaults registered with <c>TryAdd</c>: <see cref="FileSystemBlobStore"/> under
    /// <see cref="MediaOptions.FileSystemRootPath"/> and <see cref="InMemoryMediaCatalog"/> (the same instance the
    /// engine's send path uses). Needs <c>AddMessaging()</c> for the conversation store.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the limits, if needed.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddMessagingMedia(this IServiceCollection services, Action<MediaOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<MediaOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MediaOptions>, MediaOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IMediaCatalog, InMemoryMediaCatalog>();
        services.TryAddSingleton<IBlobStore>(static sp => new FileSystemBlobStore(new FileSystemBlobStoreOptions
        {
            RootPath = sp.GetRequiredService<IOptions<MediaOptions>>().Value.FileSystemRootPath,
        }));
        services.TryAddSingleton(static sp => new MediaService(
            sp.GetRequiredService<IBlobStore>(),
            sp.GetRequiredService<IMediaCatalog>(),
            sp.GetRequiredService<IConversationStore>(),
            sp.GetRequiredService<IOptions<MediaOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger<MediaService>() ?? NullLogger<MediaService>.Instance));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MediaExpiryService>());
        return services;
    }
}
