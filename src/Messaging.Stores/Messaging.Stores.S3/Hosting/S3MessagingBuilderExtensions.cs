using Messaging;
using Messaging.Stores.S3;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="S3BlobStore"/> as the media blob store.</summary>
public static class S3MessagingBuilderExtensions
{
    /// <summary>
    /// Stores media blobs on S3 (replacing the filesystem default of <c>AddMessagingMedia</c>, whatever the order).
    /// The options are validated at start; the store owns the S3 client it creates from them.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddMessaging()</c>.</param>
    /// <param name="configure">Configures the bucket, endpoint and credentials.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IMessagingBuilder UseS3BlobStore(this IMessagingBuilder builder, Action<S3BlobStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<S3BlobStoreOptions>().Configure(configure).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<S3BlobStoreOptions>, S3BlobStoreOptionsValidator>());
        builder.Services.RemoveAll<IBlobStore>();
        builder.Services.AddSingleton<IBlobStore>(static sp => new S3BlobStore(sp.GetRequiredService<IOptions<S3BlobStoreOptions>>().Value));
        return builder;
    }
}
