namespace ActorDispatch.Benchmarks.Shared;

/// <summary>One reading: how far the workload had got (e.g. events consumed) and this process's RSS then.</summary>
internal readonly record struct RssSample(int Progress, double MiB);

/// <summary>
/// Reads this process's RSS on a thread-pool timer while a workload runs, each reading tagged with
/// the workload's progress, so that memory can be compared by how much of the work was done rather
/// than by when. A timer rather than the workload's own loop: a loop that stalls (in a GC, or
/// waiting on the store) is when memory matters most. Readings stop where there is no procfs.
/// </summary>
internal sealed class RssSampler : IAsyncDisposable
{
    private readonly List<RssSample> _samples = [];
    private readonly Timer _timer;
    private int _progress;

    public RssSampler(TimeSpan period)
    {
        _timer = new Timer(_ => Take(Volatile.Read(ref _progress)), null, period, period);
    }

    /// <summary>The workload's progress, for the timer's next readings.</summary>
    public void Report(int progress) => Volatile.Write(ref _progress, progress);

    /// <summary>A reading now, besides the timer's (e.g. as the workload crosses a milestone); null without procfs.</summary>
    public double? Take(int progress)
    {
        if (ProcessMemory.RssMiB() is not { } mib) return null;
        lock (_samples) _samples.Add(new RssSample(progress, mib));
        return mib;
    }

    /// <summary>Stops the timer, waiting for a reading in progress, and returns every reading in order.</summary>
    public async Task<RssSample[]> StopAsync()
    {
        await _timer.DisposeAsync();
        lock (_samples) return [.. _samples];
    }

    public ValueTask DisposeAsync() => _timer.DisposeAsync();
}
