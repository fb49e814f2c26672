using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace ActorDispatch.Benchmarks.Micro;

/// <summary>
/// The shared BenchmarkDotNet config (akka.net's <c>MicroBenchmarkConfig</c>): allocations per
/// operation, and a short job so that the whole suite stays quick on a small shared machine.
/// </summary>
public sealed class MicroBenchmarkConfig : ManualConfig
{
    public MicroBenchmarkConfig()
    {
        Add(DefaultConfig.Instance);
        AddJob(Job.ShortRun);
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}
