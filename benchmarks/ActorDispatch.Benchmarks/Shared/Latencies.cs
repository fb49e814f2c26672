namespace ActorDispatch.Benchmarks.Shared;

/// <summary>Publish-to-receive latencies in Stopwatch ticks, with nearest-rank percentiles.</summary>
internal sealed class Latencies(int capacity)
{
    private readonly long[] _ticks = new long[capacity];
    private int _count;
    private bool _sorted;

    public void Add(long ticks)
    {
        _ticks[_count++] = ticks;
        _sorted = false;
    }

    /// <summary>The <paramref name="quantile"/> (0..1] in milliseconds.</summary>
    public double Milliseconds(double quantile)
    {
        if (_count == 0) throw new InvalidOperationException("no latencies were recorded");
        if (!_sorted)
        {
            Array.Sort(_ticks, 0, _count);
            _sorted = true;
        }
        return Interval.Milliseconds(_ticks[Math.Clamp((int)Math.Ceiling(quantile * _count) - 1, 0, _count - 1)]);
    }
}
