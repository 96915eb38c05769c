// The snippets of the READMEs of Messaging.Core and Messaging.Stores.S3, verbatim.
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Docs.Tests.Snippets;

/// <summary>The core and S3 packages' README code, compiled as written.</summary>
internal static class CoreAndS3Readmes
{
    /// <summary>Messaging.Core: the engine's options.</summary>
    public static void Core(IServiceCollection services)
    {
        services.AddMessaging(options =>
        {
            options.WritePathMaxMembers = 100;          // groups up to this size fan out on the write path
            options.PresenceGracePeriod = TimeSpan.FromSeconds(5);
        });
    }

    /// <summary>Messaging.Stores.S3: media on S3.</summary>
    public static void S3(WebApplicationBuilder builder)
    {
        builder.Services.AddMessaging().UseS3BlobStore(o =>
        {
            o.BucketName = "chat-media";          // must exist
            o.Region = "eu-west-1";               // credentials: AccessKey/SecretKey, else the SDK's default chain
        });
        builder.Services.AddMessagingMedia(o => o.MaxUploadBytes = 50 * 1024 * 1024);
    }

    /// <summary>Messaging.Stores.S3: an S3-compatible server.</summary>
    public static void S3Compatible(WebApplicationBuilder builder)
    {
        builder.Services.AddMessaging()
        .UseS3BlobStore(o =>
        {
            o.BucketName = "media";
            o.ServiceUrl = new Uri("http://127.0.0.1:9000");
            o.AccessKey = "...";
            o.SecretKey = "...";
            o.ForCompatibleServer();   // ForcePathStyle, UseChunkEncoding = false, checksums WHEN_REQUIRED
        });
    }
}
