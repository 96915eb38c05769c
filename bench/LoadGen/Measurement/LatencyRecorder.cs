using System.Diagnostics;
using HdrHistogram;

namespace Messaging.LoadGen.Measurement;

/// <summary>
/// Send-to-receive latency in microseconds (HdrHistogram, 3 significant digits, up to 60 s) and the delivery count,
/// both only while <see cref="Measuring"/> is on, so warm-up and drain stay out of the numbers. Sender and receiver
/// live in this process, so both ends read the same <see cref="Stopwatch"/> clock.
/// </summary>
internal sealed class LatencyRecorder
{
    private readonly LongConcurrentHistogram _histogram = new(1, 60_000_000, 3);
    private long _delivered;
    private volatile bool _measuring;

    public bool Measuring
    {
        get => _measuring;
        set => _measuring = value;
    }

    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Records one delivery of a message stamped <paramref name="sentTimestamp"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    public void Record(long sentTimestamp)
    {
        if (!_measuring)
        {
            return;
        }

        Interlocked.Increment(ref _delivered);
        var micros = (long)Stopwatch.GetElapsedTime(sentTimestamp).TotalMicroseconds;
        _histogram.RecordValue(Math.Clamp(micros, 1, 60_000_000));
    }

    public Percentiles Percentiles() => Measurement.Percentiles.From(_histogram);
}

/// <summary>Latency percentiles in milliseconds.</summary>
internal sealed record Percentiles(double P50, double P99, double P999, double Max, long Count)
{
    public static Percentiles From(HistogramBase histogram) => histogram.TotalCount == 0
        ? new Percentiles(0, 0, 0, 0, 0)
        : new Percentiles(
            Millis(histogram.GetValueAtPercentile(50)),
            Millis(histogram.GetValueAtPercentile(99)),
            Millis(histogram.GetValueAtPercentile(99.9)),
            Millis(histogram.GetMaxValue()),
            histogram.TotalCount);

    /// <summary>Percentiles of individual samples in microseconds.</summary>
    public static Percentiles FromMicros(IEnumerable<long> samples)
    {
        var histogram = new LongHistogram(1, 600_000_000, 3);
        foreach (var sample in samples)
        {
            histogram.RecordValue(Math.Clamp(sample, 1, 600_000_000));
        }

        return From(histogram);
    }

    private static double Millis(long micros) => Math.Round(micros / 1000.0, 3);
}
