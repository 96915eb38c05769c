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

    /// <summary>
    /// A send's id (its <c>client_msg_id</c>): <c>c{serial}s{sender}n{number}</c>, or <c>c{serial}</c> for text that is
    /// not a payload. The connection's serial keeps it unique when runs on one connection reuse numbers (a repeated
    /// id would be de-duplicated, not delivered); sender and number tell a refusal which message it settles.
    /// </summary>
    public static string SendId(long serial, string payload) =>
        TryRead(payload, out _, out var sender, out var number)
            ? string.Create(CultureInfo.InvariantCulture, $"c{serial}s{sender}n{number}")
            : string.Create(CultureInfo.InvariantCulture, $"c{serial}");

    /// <summary>Reads the sender and number of a <see cref="SendId"/> back.</summary>
    public static bool TryReadSendId(string? sendId, out int sender, out long number)
    {
        sender = 0;
        number = 0;
        var span = sendId.AsSpan();
        var s = span.IndexOf('s');
        var n = span.LastIndexOf('n');
        return span.StartsWith("c") && s > 1 && n > s + 1
            && int.TryParse(span[(s + 1)..n], NumberStyles.None, CultureInfo.InvariantCulture, out sender)
            && long.TryParse(span[(n + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out number);
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
