using System.Diagnostics.Metrics;

namespace Messaging.Transports.AspNetCore;

/// <summary>The gateway's instruments on the SDK's one meter, <c>Messaging</c>.</summary>
internal sealed class GatewayMetrics
{
    public const string MeterName = "Messaging";

    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _framesReceived;
    private readonly Counter<long> _framesRejected;
    private readonly Counter<long> _framesSent;
    private readonly Counter<long> _closes;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _connections = meter.CreateUpDownCounter<long>("messaging.gateway.connections", description: "Open WebSocket connections.");
        _framesReceived = meter.CreateCounter<long>("messaging.gateway.frames.received", description: "Frames received from clients.");
        _framesRejected = meter.CreateCounter<long>("messaging.gateway.frames.rejected", description: "Client frames answered with an error before reaching the engine.");
        _framesSent = meter.CreateCounter<long>("messaging.gateway.frames.sent", description: "Frames sent to clients.");
        _closes = meter.CreateCounter<long>("messaging.gateway.closes", description: "Connections the server closed, by close status.");
    }

    public void ConnectionOpened() => _connections.Add(1);

    public void ConnectionClosed() => _connections.Add(-1);

    public void FrameReceived() => _framesReceived.Add(1);

    public void FrameRejected(string code) => _framesRejected.Add(1, new KeyValuePair<string, object?>("code", code));

    public void FrameSent() => _framesSent.Add(1);

    public void ServerClosed(int closeStatus) => _closes.Add(1, new KeyValuePair<string, object?>("status", closeStatus));
}
