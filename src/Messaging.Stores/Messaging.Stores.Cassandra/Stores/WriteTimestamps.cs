namespace Messaging.Stores.Cassandra;

/// <summary>
/// Write times (<c>USING TIMESTAMP</c>) derived from the data, so that of two writes of one cell the one that should
/// win does, whatever order they reach the replicas in, without a read or a lightweight transaction. Cassandra keeps
/// the cell with the highest write time. The tables written this way are never written with the wall clock.
/// </summary>
internal static class WriteTimestamps
{
    /// <summary>Bits of a membership write time left for the seq of a departure.</summary>
    public const int MembershipLowBits = 40;

    /// <summary>The largest seq a departure can record (2^40 - 1).</summary>
    public const long MaxDepartureSeq = (1L << MembershipLowBits) - 1;

    /// <summary>The largest conversation version a membership write time can carry (2^23 - 1 membership changes).</summary>
    public const long MaxMembershipVersion = (1L << (63 - MembershipLowBits)) - 1;

    /// <summary>A receipt mark or a last seq is written at its own value: the highest mark wins.</summary>
    public static long OfMark(long mark)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(mark);
        return mark;
    }

    /// <summary>An activity time is written at its ticks (100 ns since 0001-01-01 UTC): the latest activity wins.</summary>
    public static long OfActivity(DateTimeOffset at) => at.UtcTicks;

    /// <summary>
    /// A membership row of a user (their conversation list, their departures) is written at the conversation's
    /// membership version in the high bits and a departure's seq in the low 40 bits: a later membership change wins
    /// over every write of an earlier one, and within one removal a higher departure seq wins.
    /// </summary>
    public static long OfMembership(long version, long departureSeq = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, MaxMembershipVersion);
        ArgumentOutOfRangeException.ThrowIfNegative(departureSeq);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(departureSeq, MaxDepartureSeq);
        return (version << MembershipLowBits) | departureSeq;
    }
}
