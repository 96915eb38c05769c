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
    /// A send's id (its <c>client_msg_id</c>): <c>c{serial}k{key}</c>, or <c>c{serial}</c> without a send key. The
    /// connection's serial keeps it unique when runs on one connection reuse keys (a repeated id would be de-duplicated,
    /// not delivered); the key tells a refusal which message it settles.
    /// </summary>
    public static string SendId(long serial, long? key) => key is { } k
        ? string.Create(CultureInfo.InvariantCulture, $"c{serial}k{k}")
        : string.Create(CultureInfo.InvariantCulture, $"c{serial}");

    /// <summary>Reads the send key of a <see cref="SendId"/> back.</summary>
    public static bool TryReadSendKey(string? sendId, out long key)
    {
        key = 0;
        var span = sendId.AsSpan();
        var k = span.IndexOf('k');
        return span.StartsWith("c") && k > 1 && long.TryParse(span[(k + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out key);
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
