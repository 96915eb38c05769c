using System.Globalization;

namespace Messaging.LoadGen.Scenarios;

/// <summary>
/// The text every target carries unchanged from sender to recipients: <c>timestamp|sender|number|padding</c>, where
/// timestamp is the <see cref="System.Diagnostics.Stopwatch"/> time the message was (due to be) sent.
/// </summary>
internal static class Payload
{
    public static string Create(long timestamp, int sender, long number, int size)
    {
        var head = string.Create(CultureInfo.InvariantCulture, $"{timestamp}|{sender}|{number}|");
        return head.Length >= size ? head : head + new string('x', size - head.Length);
    }

    public static bool TryRead(string payload, out long timestamp, out int sender, out long number)
    {
        timestamp = 0;
        sender = 0;
        number = 0;
        var span = payload.AsSpan();
        var first = span.IndexOf('|');
        if (first < 0 || !long.TryParse(span[..first], NumberStyles.None, CultureInfo.InvariantCulture, out timestamp))
        {
            return false;
        }

        span = span[(first + 1)..];
        var second = span.IndexOf('|');
        if (second < 0 || !int.TryParse(span[..second], NumberStyles.None, CultureInfo.InvariantCulture, out sender))
        {
            return false;
        }

        span = span[(second + 1)..];
        var third = span.IndexOf('|');
        return third >= 0 && long.TryParse(span[..third], NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }
}
