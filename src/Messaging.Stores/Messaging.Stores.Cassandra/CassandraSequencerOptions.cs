namespace Messaging.Stores.Cassandra;

/// <summary>
/// How the sequencer on lightweight transactions (<c>UseCassandraSequencer</c>) retries a compare-and-set that lost its
/// race to another gateway. Validated when the host starts.
/// </summary>
public sealed class CassandraSequencerOptions
{
    /// <summary>
    /// Compare-and-set rounds one <see cref="ISequencer.NextAsync"/> or <see cref="ISequencer.FenceAsync"/> may run before it
    /// fails with <see cref="CassandraErrorKind.Contention"/> (nothing taken). Default 100, 1 to 10,000.
    /// </summary>
    public int MaxAttempts { get; set; } = 100;

    /// <summary>
    /// The first back-off after a lost round: the wait before round <c>n + 1</c> is drawn at random between zero and
    /// <c>RetryBaseDelay × 2^(n-1)</c>, capped at <see cref="RetryMaxDelay"/>. Default 1 ms; zero retries at once.
    /// </summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>The longest back-off between two rounds. Default 100 ms, at most 10 s.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMilliseconds(100);
}
