using Microsoft.Extensions.Options;

namespace Messaging;

/// <summary>Validates <see cref="MediaOptions"/> at start.</summary>
internal sealed class MediaOptionsValidator : IValidateOptions<MediaOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, MediaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.MaxUploadBytes < 1)
        {
            failures.Add($"{nameof(MediaOptions.MaxUploadBytes)} must be positive.");
        }

        if (options.MaxOpenUploadsPerUser < 1)
        {
            failures.Add($"{nameof(MediaOptions.MaxOpenUploadsPerUser)} must be positive.");
        }

        if (options.MaxPendingBytesPerUser < options.MaxUploadBytes)
        {
            failures.Add($"{nameof(MediaOptions.MaxPendingBytesPerUser)} must be at least {nameof(MediaOptions.MaxUploadBytes)} (or no upload of the largest size could start).");
        }

        if (options.AbandonedUploadTtl <= TimeSpan.Zero || options.UnsentUploadTtl <= TimeSpan.Zero || options.ExpirySweepInterval <= TimeSpan.Zero)
        {
            failures.Add($"{nameof(MediaOptions.AbandonedUploadTtl)}, {nameof(MediaOptions.UnsentUploadTtl)} and {nameof(MediaOptions.ExpirySweepInterval)} must be positive.");
        }

        if (options.ExpirySweepInterval > MediaOptions.MaxExpirySweepInterval)
        {
            failures.Add($"{nameof(MediaOptions.ExpirySweepInterval)} must be at most {MediaOptions.MaxExpirySweepInterval}.");
        }

        if (options.AllowedContentTypes.Count == 0 || options.AllowedContentTypes.Any(t => !ContentSignatures.IsWellFormed(t)))
        {
            failures.Add($"{nameof(MediaOptions.AllowedContentTypes)} must list type/subtype names.");
        }
        else if (options.AllowedContentTypes.Any(ContentSignatures.IsActiveContent))
        {
            failures.Add($"{nameof(MediaOptions.AllowedContentTypes)} must not allow HTML, XML, SVG or script types.");
        }

        if (string.IsNullOrWhiteSpace(options.FileSystemRootPath))
        {
            failures.Add($"{nameof(MediaOptions.FileSystemRootPath)} is required.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
