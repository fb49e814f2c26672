using ActorDispatch.Dispatch;
using BenchmarkDotNet.Attributes;

namespace ActorDispatch.Benchmarks.Micro;

/// <summary>
/// The dispatcher's per-delivery bookkeeping: deliver a window's worth, then ack it. In order the
/// committed offset moves on every ack; in reverse nothing moves until the window's first delivery,
/// then every gap fills at once.
/// </summary>
public class OffsetTrackerBenchmarks
{
    private const int Deliveries = 10_000;

    private Guid[] _ids = [];

    /// <summary>Deliveries in flight before they are acked (1 + readAhead).</summary>
    [Params(1, 100, 1000)]
    public int Window { get; set; }

    [GlobalSetup]
    public void Setup() => _ids = Enumerable.Range(0, Deliveries).Select(_ => Guid.NewGuid()).ToArray();

    [Benchmark(Baseline = true, OperationsPerInvoke = Deliveries)]
    public long AckInOrder() => Run(reverse: false);

    [Benchmark(OperationsPerInvoke = Deliveries)]
    public long AckInReverse() => Run(reverse: true);

    private long Run(bool reverse)
    {
        var tracker = new OffsetTracker(committed: 0);
        for (var start = 0; start < Deliveries; start += Window)
        {
            var end = Math.Min(start + Window, Deliveries);
            for (var i = start; i < end; i++) tracker.Delivered(_ids[i], i + 1);
            for (var i = 0; i < end - start; i++) tracker.Ack(_ids[reverse ? end - 1 - i : start + i]);
        }
        return tracker.Committed;
    }
}
