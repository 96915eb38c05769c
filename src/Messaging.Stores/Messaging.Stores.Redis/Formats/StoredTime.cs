using System.Globalization;
using StackExchange.Redis;

namespace Messaging.Stores.Redis;

// Times are stored as UTC ticks in decimal: exact to 100 ns (Unix milliseconds, used for scores, are not), and
// comparable inside Lua as strings of digits (longer is later), since ticks exceed a Lua number's exact range.
internal static class StoredTime
{
    public static RedisValue Ticks(DateTimeOffset time) => time.UtcTicks;

    /// <exception cref="InvalidDataException">Not a valid tick count.</exception>
    public static DateTimeOffset FromTicks(ReadOnlySpan<char> ticks)
        => long.TryParse(ticks, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= DateTime.MaxValue.Ticks
            ? new DateTimeOffset(value, TimeSpan.Zero)
            : throw new InvalidDataException($"Invalid stored time '{ticks}'.");

    /// <summary>Null for an empty string.</summary>
    /// <exception cref="InvalidDataException">Not a valid tick count.</exception>
    public static DateTimeOffset? FromTicksOrNull(ReadOnlySpan<char> ticks) => ticks.IsEmpty ? null : FromTicks(ticks);
}
