namespace ActorDispatch.Benchmarks.Shared;

/// <summary>
/// The process's allocations and garbage collections at one moment: the difference between two
/// says how much of a repetition went to the GC, which the rates alone do not show.
/// </summary>
internal readonly record struct GcActivity(long AllocatedBytes, int Gen0, int Gen1, int Gen2, TimeSpan Paused)
{
    public static GcActivity Take() => new(
        GC.GetTotalAllocatedBytes(precise: false),
        GC.CollectionCount(0),
        GC.CollectionCount(1),
        GC.CollectionCount(2),
        GC.GetTotalPauseDuration());

    /// <summary>What happened between <paramref name="earlier"/> and this, as one progress line.</summary>
    public string Since(GcActivity earlier) =>
        $"allocated {(AllocatedBytes - earlier.AllocatedBytes) / (1024.0 * 1024):N0} MiB, " +
        $"GCs gen0/1/2 {Gen0 - earlier.Gen0}/{Gen1 - earlier.Gen1}/{Gen2 - earlier.Gen2}, " +
        $"paused {(Paused - earlier.Paused).TotalMilliseconds:N0} ms";
}
