using Messaging.Protocol;
using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Messaging.Transports.AspNetCore;

/// <summary>
/// Closes connections that sent no frame for <see cref="MessagingGatewayOptions.IdleTimeout"/> (1008): one periodic
/// scan of the live connections' last-activity timestamps for the whole gateway instead of a timer per connection,
/// which an idle connection would otherwise hold (and reset on every frame). The scan runs every quarter of the idle
/// timeout (at most every 5 seconds), so a silent connection is closed between one and one and a quarter timeouts
/// after its last frame. The timer starts with the first connection.
/// </summary>
internal sealed class IdleConnectionSweep : IDisposable
{
    private static readonly TimeSpan MaxPeriod = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<WebSocketClientConnection, byte> _connections = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeSpan _period;
    private readonly Lock _timerGate = new();
    private ITimer? _timer;
    private bool _disposed;

    public IdleConnectionSweep(IOptions<MessagingGatewayOptions> options, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _idleTimeout = options.Value.IdleTimeout;
        _period = TimeSpan.FromTicks(Math.Clamp(_idleTimeout.Ticks / 4, 1, MaxPeriod.Ticks));
    }

    /// <summary>Connections being watched.</summary>
    public int Count => _connections.Count;

    /// <summary>Watches <paramref name="connection"/> until <see cref="Remove"/>.</summary>
    public void Add(WebSocketClientConnection connection)
    {
        _connections.TryAdd(connection, 0);
        if (Volatile.Read(ref _timer) is null)
        {
            lock (_timerGate)
            {
                if (_timer is null && !_disposed)
                {
                    // Not the first connection's execution context (its request, its activity) for the process's life.
                    using (ExecutionContext.SuppressFlow())
                    {
                        _timer = _time.CreateTimer(static state => ((IdleConnectionSweep)state!).Sweep(), this, _period, _period);
                    }
                }
            }
        }
    }

    /// <summary>Stops watching <paramref name="connection"/>.</summary>
    public void Remove(WebSocketClientConnection connection) => _connections.TryRemove(connection, out _);

    /// <summary>Closes every watched connection whose last frame is older than the idle timeout.</summary>
    public void Sweep()
    {
        var now = _time.GetTimestamp();
        foreach (var (connection, _) in _connections)
        {
            if (!connection.IsClosing && _time.GetElapsedTime(connection.LastActivity, now) >= _idleTimeout)
            {
                connection.Close(CloseCodes.PolicyViolation, "idle timeout");
            }
        }
    }

    public void Dispose()
    {
        lock (_timerGate)
        {
            _disposed = true;
            _timer?.Dispose();
            _timer = null;
        }
    }
}
