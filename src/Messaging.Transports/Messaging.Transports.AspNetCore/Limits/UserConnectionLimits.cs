using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Messaging.Transports.AspNetCore;

/// <summary>
/// What one user may do over all of their WebSocket connections to this node: hold at most
/// <see cref="MessagingGatewayOptions.MaxConnectionsPerUser"/> of them, and send frames within one shared budget
/// (<see cref="MessagingGatewayOptions.UserRateLimitBurst"/>, <see cref="MessagingGatewayOptions.UserRateLimitPerSecond"/>).
/// A user's entry exists while they have a connection here. Counting is per node on purpose: a cluster-wide cap
/// would need a round trip to the connection directory on every handshake.
/// </summary>
internal sealed class UserConnectionLimits
{
    private readonly ConcurrentDictionary<string, UserConnections> _users = new(StringComparer.Ordinal);
    private readonly Func<string, UserConnectionLimits, UserConnections> _create;
    private readonly int _maxConnections;
    private readonly long _frameInterval;
    private readonly long _frameTolerance;

    /// <summary>Creates the limits of this node's gateway.</summary>
    /// <param name="options">The per-user limits.</param>
    /// <param name="time">The clock whose <see cref="TimeProvider.GetTimestamp"/> values <see cref="UserConnections.TryTakeFrame"/> is given (the gateway's).</param>
    public UserConnectionLimits(IOptions<MessagingGatewayOptions> options, TimeProvider? time = null)
    {
        var value = options.Value;
        _maxConnections = value.MaxConnectionsPerUser;

        // Generic cell rate algorithm: a token bucket kept as one timestamp, so connections share it without a lock.
        _frameInterval = Math.Max(1, (time ?? TimeProvider.System).TimestampFrequency / value.UserRateLimitPerSecond);
        _frameTolerance = _frameInterval * (value.UserRateLimitBurst - 1);
        _create = static (userId, limits) => new UserConnections(limits, userId);
    }

    /// <summary>Takes a connection slot for <paramref name="userId"/>; <see langword="null"/> when all are in use.</summary>
    public UserConnections? TryOpen(string userId)
    {
        while (true)
        {
            var user = _users.GetOrAdd(userId, _create, this);
            lock (user.Gate)
            {
                if (user.Removed)
                {
                    // Its last connection closed while this one looked it up: start a fresh entry.
                    continue;
                }

                if (user.Connections >= _maxConnections)
                {
                    return null;
                }

                user.Connections++;
                return user;
            }
        }
    }

    /// <summary>The user's live connections on this node (0 when none).</summary>
    public int ConnectionsOf(string userId) => _users.TryGetValue(userId, out var user) ? Volatile.Read(ref user.Connections) : 0;

    private void Close(UserConnections user)
    {
        lock (user.Gate)
        {
            if (--user.Connections == 0)
            {
                user.Removed = true;
                _users.TryRemove(new KeyValuePair<string, UserConnections>(user.UserId, user));
            }
        }
    }

    /// <summary>One user's connections on this node; each connection holds it from handshake to close.</summary>
    internal sealed class UserConnections(UserConnectionLimits limits, string userId)
    {
        // The earliest time the bucket is full again, advanced one interval per frame taken (GCRA's "theoretical
        // arrival time"). A frame fits while this lies at most burst - 1 intervals ahead of now.
        private long _fullAt = long.MinValue;

        public string UserId { get; } = userId;

        public Lock Gate { get; } = new();

        /// <summary>Live connections: changed under <see cref="Gate"/>, read with <see cref="Volatile"/>.</summary>
        public int Connections;

        public bool Removed { get; set; }

        /// <summary>Takes one frame from the user's shared budget; lock-free and allocation-free.</summary>
        /// <param name="now">The frame's arrival (<see cref="TimeProvider.GetTimestamp"/> of the limits' time provider).</param>
        /// <returns>Whether the frame fits the budget.</returns>
        public bool TryTakeFrame(long now)
        {
            while (true)
            {
                var fullAt = Volatile.Read(ref _fullAt);
                var start = Math.Max(fullAt, now);
                if (start - now > limits._frameTolerance)
                {
                    return false;
                }

                if (Interlocked.CompareExchange(ref _fullAt, start + limits._frameInterval, fullAt) == fullAt)
                {
                    return true;
                }
            }
        }

        /// <summary>Gives the connection slot back; call once per successful <see cref="TryOpen"/>.</summary>
        public void Close() => limits.Close(this);
    }
}
