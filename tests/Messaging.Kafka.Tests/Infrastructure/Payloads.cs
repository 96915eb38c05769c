using System.Text;
using Messaging.Conformance;

namespace Messaging.Kafka.Tests;

/// <summary>Text payloads for the Kafka tests, and waits on the conformance kit's <see cref="PayloadRecorder"/>.</summary>
internal static class Payloads
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static IReadOnlyList<string> Texts(this PayloadRecorder recorder) => [.. recorder.Received.Select(p => Encoding.UTF8.GetString(p))];

    /// <summary>Waits until at least <paramref name="count"/> payloads arrived, failing after a deadline.</summary>
    public static async Task WaitForAsync(this PayloadRecorder recorder, int count)
    {
        try
        {
            await recorder.WhenCountAsync(count).WaitAsync(Timeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            var arrived = recorder.Texts();
            Assert.Fail($"Timed out after {Timeout} waiting for {count} payloads; {arrived.Count} arrived: {string.Join(", ", arrived)}.");
        }
    }
}
