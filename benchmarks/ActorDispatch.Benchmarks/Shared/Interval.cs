using System.Diagnostics;

namespace ActorDispatch.Benchmarks.Shared;

/// <summary>A span between two <see cref="Stopwatch"/> timestamps.</summary>
internal readonly record struct Interval(long Start, long End)
{
    public double Seconds => (End - Start) / (double)Stopwatch.Frequency;

    /// <summary>Items per second over the interval.</summary>
    public double Rate(long count) => count / Seconds;

    public static double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
