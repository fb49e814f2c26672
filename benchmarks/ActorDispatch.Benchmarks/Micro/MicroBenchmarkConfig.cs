using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace ActorDispatch.Benchmarks.Micro;

/// <summary>
/// The shared BenchmarkDotNet config (akka.net's <c>MicroBenchmarkConfig</c>): allocations per
/// operation, and a short job so that the whole suite stays quick on a small shared machine. The
/// job is only the default: a <c>--job</c> on the command line replaces it.
/// </summary>
public sealed class MicroBenchmarkConfig : ManualConfig
{
    public MicroBenchmarkConfig()
    {
        Add(DefaultConfig.Instance);
        AddJob(Job.ShortRun.AsDefault());
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}
