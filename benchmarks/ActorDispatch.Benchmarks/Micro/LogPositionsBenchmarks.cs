using ActorDispatch.Log;
using BenchmarkDotNet.Attributes;

namespace ActorDispatch.Benchmarks.Micro;

/// <summary>
/// <see cref="LogPositions"/>, the cache of entry starts: the log records every entry it writes
/// (thinning the older half whenever the 4096 capacity is exceeded), and every journal read from
/// an event sequence first looks up the entries that can hold it. Entries of 10 events each.
/// </summary>
public class LogPositionsBenchmarks
{
    private const int Entries = 100_000;
    private const int EventsPerEntry = 10;
    private const int Lookups = 1000;
    private const string Namespace = "bench";

    private LogPositions _filled = null!;
    private long[] _sequences = [];

    [GlobalSetup]
    public void Setup()
    {
        _filled = RecordAll();
        var random = new Random(42);
        _sequences = Enumerable.Range(0, Lookups).Select(_ => random.NextInt64(1, (long)Entries * EventsPerEntry + 1)).ToArray();
    }

    /// <summary>100,000 consecutive entries into a fresh cache of capacity 4096; per record.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Entries)]
    public object Record() => RecordAll();

    /// <summary>Random sequences over the whole log afterwards (old ones fall in thinned ranges); per lookup.</summary>
    [Benchmark(OperationsPerInvoke = Lookups)]
    public long Bounds()
    {
        long sum = 0;
        foreach (var sequence in _sequences) sum += _filled.Bounds(Namespace, sequence).Low;
        return sum;
    }

    private static LogPositions RecordAll()
    {
        var positions = new LogPositions(capacity: 4096);
        for (var entry = 1L; entry <= Entries; entry++) positions.Record(Namespace, (entry - 1) * EventsPerEntry + 1, entry, EventsPerEntry);
        return positions;
    }
}
