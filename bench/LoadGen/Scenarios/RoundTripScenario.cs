using System.Diagnostics;
using System.Threading.Channels;
using Messaging.LoadGen.Cli;
using Messaging.LoadGen.Measurement;
using Messaging.LoadGen.Proxy;
using Messaging.LoadGen.Targets;

namespace Messaging.LoadGen.Scenarios;

/// <summary>
/// <c>roundtrips</c>: the servers reach Redis through a <c>redis-proxy</c>; one user sends <c>--messages</c> messages to
/// another (on <c>--server2</c> when given), one at a time, each only after the previous one was confirmed <c>sent</c>,
/// delivered and acknowledged. First with no delay on the proxy, then with <c>--delay-ms</c> D on every Redis reply:
/// each sequential round trip a send waits for adds D, so (delayed − undelayed fastest) ÷ D, rounded, is the number of
/// sequential round trips before <c>sent</c> and before the recipient has the message. The fastest message of each
/// phase is compared because noise (a busy machine, a collection) only ever adds time: one slow message in the
/// undelayed phase must not hide the delay, nor one in the delayed phase add a round trip. The delayed phase also counts
/// the Redis commands per message: sent by the gateways (the proxy's count, a script call once) and executed by Redis
/// (<c>INFO commandstats</c> with <c>--redis</c>, scripts' inner commands included); receipts and background work of
/// the phase are part of it, as they are of any message.
/// </summary>
internal static class RoundTripScenario
{
    /// <summary>The first messages of each phase connect and compile the path; they are sent but not measured.</summary>
    private const int Unmeasured = 2;

    private static readonly TimeSpan FrameTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Time after a delivery before the next send, so the recipient's receipt (sent every 100 ms) is done.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(150);

    public static async Task<ScenarioResult> RunAsync(IReadOnlyList<IChatTarget> targets, LoadGenOptions options, CancellationToken cancellationToken)
    {
        using var control = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = options.RedisProxy };
        var prefix = Connector.RunPrefix();
        var senderSink = new TimestampSink();
        var recipientSink = new TimestampSink();
        await using var sender = await targets[0].ConnectAsync(prefix + "a", senderSink, 0, cancellationToken).ConfigureAwait(false);
        await using var recipient = await targets[^1].ConnectAsync(prefix + "b", recipientSink, 0, cancellationToken).ConfigureAwait(false);
        var route = await targets[0].DirectRouteAsync(prefix + "a", prefix + "b", cancellationToken).ConfigureAwait(false);
        var delay = TimeSpan.FromMilliseconds(options.DelayMs);
        var total = Unmeasured + options.Messages;
        try
        {
            await ProxyStats.SetDelayAsync(control, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            var (baseSent, baseDelivered) = await PhaseAsync(sender, route, senderSink, recipientSink, options, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);

            await ProxyStats.SetDelayAsync(control, delay, cancellationToken).ConfigureAwait(false);
            var proxyBefore = await ProxyStats.FetchAsync(control, cancellationToken).ConfigureAwait(false);
            var redis = TrafficScenario.RedisStats(options);
            var redisBefore = redis is null ? null : await redis(cancellationToken).ConfigureAwait(false);
            var phase = Stopwatch.GetTimestamp();
            var (sent, delivered) = await PhaseAsync(sender, route, senderSink, recipientSink, options, delay, cancellationToken).ConfigureAwait(false);
            var proxyAfter = await ProxyStats.FetchAsync(control, cancellationToken).ConfigureAwait(false);
            var redisAfter = redis is null ? null : await redis(cancellationToken).ConfigureAwait(false);
            var phaseSeconds = Stopwatch.GetElapsedTime(phase).TotalSeconds;

            var executed = redisAfter is null || redisBefore is null ? null : redisAfter - redisBefore;
            var commandsSent = proxyAfter.Commands - proxyBefore.Commands;
            return TrafficScenario.Base(options) with
            {
                Mode = "sequential",
                Pairs = 1,
                Sent = total,
                Delivered = total,
                Gateways = targets.Count > 1 ? targets.Count : null,
                RoundTrips = new RoundTrips
                {
                    DelayMs = options.DelayMs,
                    Messages = options.Messages,
                    BeforeSent = (long)Math.Round((sent - baseSent) / options.DelayMs, MidpointRounding.AwayFromZero),
                    BeforeDelivery = (long)Math.Round((delivered - baseDelivered) / options.DelayMs, MidpointRounding.AwayFromZero),
                    SentMs = sent,
                    DeliveredMs = delivered,
                    BaseSentMs = baseSent,
                    BaseDeliveredMs = baseDelivered,
                    SecondsPerMessage = Math.Round(phaseSeconds / total, 3),
                },
                Redis = executed is null
                    ? new RedisUsage { CommandsSent = Math.Round((double)commandsSent / total, 2), ScriptCalls = Math.Round((double)(proxyAfter.ScriptCalls - proxyBefore.ScriptCalls) / total, 2) }
                    : ScenarioResult.Usage(executed, commandsSent, total),
            };
        }
        finally
        {
            // Leave the proxy as it was found: the next run starts undelayed.
            await ProxyStats.SetDelayAsync(control, TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
        }
    }

    // Fastest send → sent and send → delivery, in milliseconds, of one message at a time.
    private static async Task<(double SentMs, double DeliveredMs)> PhaseAsync(
        IChatConnection sender, string route, TimestampSink senderSink, TimestampSink recipientSink, LoadGenOptions options, TimeSpan delay, CancellationToken cancellationToken)
    {
        var sentMicros = new List<long>();
        var deliveredMicros = new List<long>();
        for (var i = 0; i < Unmeasured + options.Messages; i++)
        {
            // A frame of an earlier message that came late or twice (at-least-once) must not stand for this one's.
            Drain(senderSink.Sent.Reader);
            Drain(recipientSink.Messages.Reader);
            var start = Stopwatch.GetTimestamp();
            await sender.SendAsync(route, group: false, Payload.Create(start, 0, i, options.PayloadSize), CancellationToken.None).ConfigureAwait(false);
            var sentAt = await senderSink.Sent.Reader.ReadAsync(cancellationToken).AsTask().WaitAsync(FrameTimeout, cancellationToken).ConfigureAwait(false);
            var deliveredAt = await recipientSink.Messages.Reader.ReadAsync(cancellationToken).AsTask().WaitAsync(FrameTimeout, cancellationToken).ConfigureAwait(false);
            if (i >= Unmeasured)
            {
                sentMicros.Add((long)Stopwatch.GetElapsedTime(start, sentAt).TotalMicroseconds);
                deliveredMicros.Add((long)Stopwatch.GetElapsedTime(start, deliveredAt).TotalMicroseconds);
            }

            // The recipient's receipt for this message goes out within 100 ms and takes a few delayed round trips;
            // the next send waits for it so that each message is measured alone.
            await Task.Delay(Settle + (delay * 4), cancellationToken).ConfigureAwait(false);
        }

        return (sentMicros.Min() / 1000.0, deliveredMicros.Min() / 1000.0);
    }

    private static void Drain(ChannelReader<long> reader)
    {
        while (reader.TryRead(out _))
        {
        }
    }

    /// <summary>The arrival time (a <see cref="Stopwatch"/> timestamp) of each <c>sent</c> confirmation and each message.</summary>
    private sealed class TimestampSink : IDeliverySink
    {
        public Channel<long> Sent { get; } = Channel.CreateUnbounded<long>();

        public Channel<long> Messages { get; } = Channel.CreateUnbounded<long>();

        public void OnMessage(string payload) => Messages.Writer.TryWrite(Stopwatch.GetTimestamp());

        public void OnSent() => Sent.Writer.TryWrite(Stopwatch.GetTimestamp());
    }
}
