using Microsoft.Extensions.Options;

namespace Messaging.Stores.S3;

/// <summary>Validates <see cref="S3BlobStoreOptions"/> at start.</summary>
internal sealed class S3BlobStoreOptionsValidator : IValidateOptions<S3BlobStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, S3BlobStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.BucketName))
        {
            failures.Add($"{nameof(S3BlobStoreOptions.BucketName)} is required.");
        }

        if (options.PartSize < S3BlobStoreOptions.MinimumPartSize)
        {
            failures.Add($"{nameof(S3BlobStoreOptions.PartSize)} must be at least {S3BlobStoreOptions.MinimumPartSize} bytes (the S3 minimum).");
        }

        if (options.KeyPrefix.StartsWith('/') || options.KeyPrefix.Contains("..", StringComparison.Ordinal))
        {
            failures.Add($"{nameof(S3BlobStoreOptions.KeyPrefix)} must not start with '/' or contain '..'.");
        }

        if ((options.AccessKey is null) != (options.SecretKey is null))
        {
            failures.Add($"{nameof(S3BlobStoreOptions.AccessKey)} and {nameof(S3BlobStoreOptions.SecretKey)} go together.");
        }

        if (options.ServiceUrl is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https")))
        {
            failures.Add($"{nameof(S3BlobStoreOptions.ServiceUrl)} must be an absolute http(s) address.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
