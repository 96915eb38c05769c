using System.Collections.Concurrent;
using System.Diagnostics;
using Messaging.LoadGen.Measurement;
using Messaging.LoadGen.Targets;

namespace Messaging.LoadGen.Scenarios;

/// <summary>One sending connection, the route it sends to, and how many recipients each of its messages has.</summary>
internal sealed record SenderSpec(IChatConnection Connection, string Route, bool Group, int Recipients);

/// <summary>What <see cref="TrafficDriver.RunAsync"/> measured.</summary>
internal sealed record TrafficResult(long SentMeasured, long Delivered, double Seconds, long Undelivered, Percentiles Latency, double? OfferedRate)
{
    /// <summary>Server bytes allocated per delivery during the measurement (from its own GC counter).</summary>
    public double? ServerAllocPerDelivery { get; init; }

    /// <summary>Server CPU microseconds per delivery during the measurement (process CPU time, all cores).</summary>
    public double? ServerCpuPerDelivery { get; init; }

    /// <summary>
    /// This process's CPU microseconds per delivery during the measurement: what the client (senders, receive loops,
    /// parsing, latency recording, receipts) took from the cores it shares with the server.
    /// </summary>
    public double ClientCpuPerDelivery { get; init; }

    /// <summary>How the warm-up went (its length, and whether the server's JIT was seen to be done).</summary>
    public WarmupOutcome? Warmup { get; init; }

    /// <summary>Methods the server's JIT compiled during the measurement (<see langword="null"/> when it does not report them).</summary>
    public long? JitMethodsMeasured { get; init; }

    /// <summary>Time the server's JIT spent compiling during the measurement, in milliseconds.</summary>
    public double? JitMsMeasured { get; init; }

    /// <summary>Commands Redis executed and its CPU time during the measurement (with <c>--redis</c>).</summary>
    public RedisServerStats? RedisStats { get; init; }

    /// <summary>Frames the server refused during the whole run, by error code; <see langword="null"/> when none.</summary>
    public IReadOnlyDictionary<string, long>? Rejected { get; init; }
}

/// <summary>
/// Drives senders at a fixed offered rate (open loop; latency counted from the time each message was due, so a
/// stalled server cannot hide its queueing) or at saturation (closed loop: each sender keeps <c>window</c> messages
/// in flight, a message leaving the window when every recipient got it). Warm-up, then measurement, then a drain
/// bounded in time that counts what never arrived, and the frames the server refused (a refused send never arrives,
/// and at saturation it holds its window slot for good). Also the <see cref="IDeliverySink"/> of every connection.
/// </summary>
internal sealed class TrafficDriver : IDeliverySink
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    private readonly IReadOnlyList<SenderSpec> _senders;
    private readonly SemaphoreSlim[] _windows;
    private readonly ConcurrentDictionary<long, int> _remaining = new();
    private readonly ConcurrentDictionary<string, long> _rejected = new(StringComparer.Ordinal);
    private readonly LatencyRecorder _recorder = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly double? _rate;
    private readonly int _payloadSize;
    private readonly Action<bool>? _measuring;
    private long _expected;
    private long _received;
    private long _sentMeasured;
    private volatile bool _stopping;

    /// <param name="senders">The sending connections.</param>
    /// <param name="rate">Offered messages per second over all senders, or <see langword="null"/> for saturation.</param>
    /// <param name="window">Messages in flight per sender at saturation.</param>
    /// <param name="payloadSize">Bytes of each payload.</param>
    /// <param name="measuring">Told when the measurement starts (true) and ends (false), with the driver's own recorder:
    /// another observer of the same traffic (the event log reader) measures over the same window.</param>
    public TrafficDriver(IReadOnlyList<SenderSpec> senders, double? rate, int window, int payloadSize, Action<bool>? measuring = null)
    {
        _senders = senders;
        _rate = rate;
        _payloadSize = payloadSize;
        _measuring = measuring;

        // At a fixed rate the window only bounds memory should the server stall.
        var capacity = rate is null ? window : 100_000;
        _windows = senders.Select(_ => new SemaphoreSlim(capacity, capacity)).ToArray();
    }

    public void OnMessage(string payload)
    {
        if (!Payload.TryRead(payload, out var timestamp, out var sender, out var number))
        {
            return;
        }

        _recorder.Record(timestamp);
        var key = KeyOf(sender, number);
        if (_remaining.AddOrUpdate(key, -1, static (_, left) => left - 1) == 0)
        {
            _remaining.TryRemove(key, out _);
            _windows[sender].Release();
        }

        if (Interlocked.Increment(ref _received) >= Interlocked.Read(ref _expected) && _stopping)
        {
            _drained.TrySetResult();
        }
    }

    public void OnRejected(string code, string? sendId)
    {
        _rejected.AddOrUpdate(code, 1, static (_, count) => count + 1);

        // A refused send is settled: it is expected nowhere and frees its window slot.
        if (Payload.TryReadSendKey(sendId, out var key) && _remaining.TryRemove(key, out var left))
        {
            _windows[SenderOf(key)].Release();
            if (Interlocked.Add(ref _expected, -left) <= Interlocked.Read(ref _received) && _stopping)
            {
                _drained.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Runs warm-up (until the server's JIT is done, see <see cref="JitWarmup"/>), measurement and drain;
    /// <paramref name="serverStats"/> and <paramref name="redisStats"/> are read when the measurement starts and ends.
    /// </summary>
    public async Task<TrafficResult> RunAsync(
        WarmupPolicy warmup,
        TimeSpan duration,
        Func<CancellationToken, Task<ServerStats?>> serverStats,
        Func<CancellationToken, Task<RedisServerStats>>? redisStats,
        CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loops = _senders.Select((_, i) => Task.Run(() => SendLoopAsync(i, stop.Token), CancellationToken.None)).ToArray();

        var warmed = await JitWarmup.RunAsync(warmup, serverStats, cancellationToken).ConfigureAwait(false);
        _measuring?.Invoke(true);
        var before = await serverStats(cancellationToken).ConfigureAwait(false);
        var redisBefore = redisStats is null ? null : await redisStats(cancellationToken).ConfigureAwait(false);
        var clientCpuBefore = Environment.CpuUsage.TotalTime;
        _recorder.Measuring = true;
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(duration, cancellationToken).ConfigureAwait(false);
        _recorder.Measuring = false;
        _measuring?.Invoke(false);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var delivered = _recorder.Delivered;
        var clientCpu = Environment.CpuUsage.TotalTime - clientCpuBefore;
        var after = await serverStats(cancellationToken).ConfigureAwait(false);
        var redisAfter = redisStats is null ? null : await redisStats(cancellationToken).ConfigureAwait(false);

        // Only once no loop can send any more is the expected count final: before that, a delivery that momentarily
        // equals it would end the drain while the last messages are still in flight.
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(loops).ConfigureAwait(false);
        _stopping = true;
        if (Interlocked.Read(ref _received) >= Interlocked.Read(ref _expected))
        {
            _drained.TrySetResult();
        }

        await Task.WhenAny(_drained.Task, Task.Delay(DrainTimeout, cancellationToken)).ConfigureAwait(false);
        var undelivered = Math.Max(0, Interlocked.Read(ref _expected) - Interlocked.Read(ref _received));
        var perDelivery = Math.Max(1, delivered);
        return new TrafficResult(Interlocked.Read(ref _sentMeasured), delivered, seconds, undelivered, _recorder.Percentiles(), _rate)
        {
            ServerAllocPerDelivery = before is null || after is null ? null : Math.Round((double)(after.AllocatedBytes - before.AllocatedBytes) / perDelivery, 1),
            ServerCpuPerDelivery = before is null || after is null ? null : Math.Round((after.CpuMs - before.CpuMs) * 1000 / perDelivery, 2),
            ClientCpuPerDelivery = Math.Round(clientCpu.TotalMicroseconds / perDelivery, 2),
            Warmup = warmed,
            JitMethodsMeasured = after?.JitMethods - before?.JitMethods,
            JitMsMeasured = (after?.JitMs - before?.JitMs) is { } jitMs ? Math.Round(jitMs, 1) : null,
            RedisStats = redisAfter is null || redisBefore is null ? null : redisAfter - redisBefore,
            Rejected = _rejected.IsEmpty ? null : new SortedDictionary<string, long>(_rejected, StringComparer.Ordinal),
        };
    }

    private async Task SendLoopAsync(int index, CancellationToken stop)
    {
        var spec = _senders[index];
        var window = _windows[index];
        var interval = _rate is { } rate ? (long)(Stopwatch.Frequency * _senders.Count / rate) : 0;
        var start = Stopwatch.GetTimestamp() + (interval * index / Math.Max(1, _senders.Count));
        try
        {
            for (long number = 0; !stop.IsCancellationRequested; number++)
            {
                long timestamp;
                if (interval > 0)
                {
                    timestamp = start + (number * interval);
                    var ahead = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
                    if (ahead > TimeSpan.FromMilliseconds(1))
                    {
                        await Task.Delay(ahead, stop).ConfigureAwait(false);
                    }
                }
                else
                {
                    timestamp = 0;
                }

                await window.WaitAsync(stop).ConfigureAwait(false);
                if (interval == 0)
                {
                    timestamp = Stopwatch.GetTimestamp();
                }

                var key = KeyOf(index, number);
                _remaining[key] = spec.Recipients;
                Interlocked.Add(ref _expected, spec.Recipients);
                if (_recorder.Measuring)
                {
                    Interlocked.Increment(ref _sentMeasured);
                }

                // Never cancel a WebSocket send: a cancelled send aborts the socket.
                await spec.Connection.SendAsync(spec.Route, spec.Group, Payload.Create(timestamp, index, number, _payloadSize), CancellationToken.None, key).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Measurement over.
        }
    }

    // A message's key: its sender (the high bits, which also name its window) and its number.
    private static long KeyOf(int sender, long number) => ((long)sender << 40) | number;

    private static int SenderOf(long key) => (int)(key >> 40);
}
