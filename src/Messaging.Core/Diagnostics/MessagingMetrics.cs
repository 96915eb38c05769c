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

    private static readonly object BoxedTrue = true;
    private static readonly object BoxedFalse = false;

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

    /// <summary>Whether anybody listens to the send duration (then, and only then, is a send timed).</summary>
    public bool SendDurationEnabled => _sendDuration.Enabled;

    // Each instrument is checked before its tags are built, so nothing is computed or boxed while nobody listens.
    public void MessageSent()
    {
        if (_messagesSent.Enabled)
        {
            _messagesSent.Add(1);
        }
    }

    public void Duplicate()
    {
        if (_duplicates.Enabled)
        {
            _duplicates.Add(1);
        }
    }

    public void Delivered()
    {
        if (_deliveredEvents.Enabled)
        {
            _deliveredEvents.Add(1);
        }
    }

    public void ConnectionAborted(string reason)
    {
        if (_abortedConnections.Enabled)
        {
            _abortedConnections.Add(1, new KeyValuePair<string, object?>("reason", reason));
        }
    }

    public void FanoutPublished(string kind)
    {
        if (_fanoutPublishes.Enabled)
        {
            _fanoutPublishes.Add(1, new KeyValuePair<string, object?>("envelope", kind));
        }
    }

    public void SendDuration(TimeSpan elapsed, bool duplicate)
    {
        if (_sendDuration.Enabled)
        {
            _sendDuration.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("duplicate", duplicate ? BoxedTrue : BoxedFalse));
        }
    }

    public void Dispose() => _meter.Dispose();
}
