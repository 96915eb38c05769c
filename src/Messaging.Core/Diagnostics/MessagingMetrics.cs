using System.Diagnostics.Metrics;

namespace Messaging;

/// <summary>
/// The engine's instruments, all on the one <see cref="Meter"/> named <see cref="MeterName"/>. Created through the
/// host's <see cref="IMeterFactory"/> when there is one, so the instruments are scoped to the service provider.
/// </summary>
internal sealed class MessagingMetrics : IDisposable
{
    /// <summary>The name of the meter (and of the activity source): <c>Messaging</c>.</summary>
    public const string MeterName = "Messaging";

    private readonly Meter _meter;
    private readonly Counter<long> _messagesSent;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _deliveredEvents;
    private readonly Counter<long> _abortedConnections;
    private readonly Counter<long> _fanoutPublishes;
    private readonly Histogram<double> _sendDuration;

    public MessagingMetrics(IMeterFactory? meterFactory)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _messagesSent = _meter.CreateCounter<long>("messaging.messages.sent", "{message}", "Messages committed to the store.");
        _duplicates = _meter.CreateCounter<long>("messaging.messages.duplicates", "{message}", "Sends answered with an earlier message because the client message id was used before.");
        _deliveredEvents = _meter.CreateCounter<long>("messaging.messages.delivered", "{message}", "Message events written to client connections.");
        _abortedConnections = _meter.CreateCounter<long>("messaging.connections.aborted", "{connection}", "Connections aborted by the engine (slow consumer, shutdown).");
        _fanoutPublishes = _meter.CreateCounter<long>("messaging.fanout.publishes", "{publish}", "Envelopes handed to the backplane.");
        _sendDuration = _meter.CreateHistogram<double>("messaging.send.duration", "ms", "Time from a send request to its commit and fan-out.");
    }

    public void MessageSent() => _messagesSent.Add(1);

    public void Duplicate() => _duplicates.Add(1);

    public void Delivered() => _deliveredEvents.Add(1);

    public void ConnectionAborted(string reason) => _abortedConnections.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void FanoutPublished(string kind) => _fanoutPublishes.Add(1, new KeyValuePair<string, object?>("envelope", kind));

    public void SendDuration(TimeSpan elapsed, bool duplicate) => _sendDuration.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("duplicate", duplicate));

    public void Dispose() => _meter.Dispose();
}
