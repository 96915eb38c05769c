namespace Messaging.Stores.Cassandra;

/// <summary>
/// Where a seq lives: messages are partitioned by (conversation, bucket) with <c>bucket = seq / Size</c>, so a
/// partition holds at most <see cref="Size"/> messages, a range read knows its partitions from the seqs alone (no
/// index), and an append needs no read.
/// </summary>
internal static class MessageBuckets
{
    /// <summary>
    /// Seqs per bucket. 1,000 messages of at most a few KB keep a partition in the low megabytes (Cassandra's advice is
    /// well under 100 MB) while a catch-up of a few hundred messages reads one or two partitions. Changing it changes
    /// where every stored message is looked for: it is part of the storage format.
    /// </summary>
    public const long Size = 1000;

    /// <summary>The bucket of a seq.</summary>
    public static long Of(long seq)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(seq);
        return seq / Size;
    }

    /// <summary>The lowest seq a bucket can hold.</summary>
    public static long FirstSeq(long bucket) => bucket * Size;

    /// <summary>The highest seq a bucket can hold (the last bucket ends at <see cref="long.MaxValue"/>).</summary>
    public static long LastSeq(long bucket) => bucket >= long.MaxValue / Size ? long.MaxValue : (bucket * Size) + Size - 1;
}
