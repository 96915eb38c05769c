using Microsoft.Extensions.Options;

namespace Messaging.Stores.Cassandra;

/// <summary>Checks <see cref="CassandraSequencerOptions"/> when the host starts.</summary>
internal sealed class CassandraSequencerOptionsValidator : IValidateOptions<CassandraSequencerOptions>
{
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(10);

    public ValidateOptionsResult Validate(string? name, CassandraSequencerOptions options)
    {
        var failures = new List<string>();
        if (options.MaxAttempts is < 1 or > 10_000)
        {
            failures.Add($"Cassandra sequencer: MaxAttempts must be from 1 to 10000 ({options.MaxAttempts} given).");
        }

        if (options.RetryBaseDelay < TimeSpan.Zero || options.RetryBaseDelay > Longest)
        {
            failures.Add($"Cassandra sequencer: RetryBaseDelay must be from zero to 10 s ({options.RetryBaseDelay} given).");
        }

        if (options.RetryMaxDelay < options.RetryBaseDelay || options.RetryMaxDelay > Longest)
        {
            failures.Add($"Cassandra sequencer: RetryMaxDelay must be from RetryBaseDelay to 10 s ({options.RetryMaxDelay} given).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
