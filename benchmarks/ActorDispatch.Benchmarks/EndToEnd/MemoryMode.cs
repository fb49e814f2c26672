using ActorDispatch.Benchmarks.Shared;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>
/// This process's RSS while one subscription consumed the backlog: just before, the peak, at each
/// quarter of the events, and the peak of each half (by events consumed).
/// </summary>
internal sealed record RssProfile(double BeforeMiB, double PeakMiB, IReadOnlyList<double> QuartersMiB, double FirstHalfPeakMiB, double SecondHalfPeakMiB)
{
    /// <summary>Memory that comes with the backlog shows here: the second half's peak above the first's.</summary>
    public double GrowthMiB => SecondHalfPeakMiB - FirstHalfPeakMiB;
}

/// <summary>The append, the consumption, and the RSS profile (null where there is no procfs).</summary>
internal sealed record MemoryResult(Interval Append, ConsumeResult Consume, RssProfile? Rss);

/// <summary>
/// Mode M, the memory check: append a large backlog (<c>--memory-n</c>, 1,000,000) with
/// nobody listening, then consume and ack all of it through one subscription from the oldest event,
/// in process, while a timer samples the RSS. The engine should hold a window of events, not the
/// backlog: the RSS must stay flat, so the second half of the consumption peaks no higher than the first.
/// </summary>
internal static class MemoryMode
{
    private const string Subscription = "bench";

    /// <summary>Events per append call: here the append only fills the store (its one-per-call rate is mode A's to measure).</summary>
    private const int MaxEventsPerCall = 1000;

    public static readonly TimeSpan SamplePeriod = TimeSpan.FromMilliseconds(250);

    /// <summary>Events per append call, within <c>--pub-window</c>.</summary>
    public static int EventsPerCall(E2eOptions o) => Math.Min(MaxEventsPerCall, o.PubWindow);

    public static async Task<MemoryResult> RunAsync(E2eOptions o, BenchPayload payload)
    {
        var n = o.MemoryN;
        await using var host = EngineHost.Start("e2e-memory", o);
        Interval append;
        using (var timeout = new CancellationTokenSource(o.PhaseTimeout))
            append = await new Publisher(host, payload).PublishAsync(n, EventsPerCall(o), o.PubWindow, 0, timeout.Token);

        using var consumeTimeout = new CancellationTokenSource(o.PhaseTimeout);
        await host.CreateSubscriptionAsync(Subscription, "oldest", n, consumeTimeout.Token);
        var before = ProcessMemory.RssMiB();
        var quarters = new double?[4];
        var nextQuarter = 0;
        ConsumeResult consume;
        RssSample[] samples;
        await using (var sampler = new RssSampler(SamplePeriod))
        {
            consume = await Consumer.RunAsync(host.Engine, IE2eHost.Namespace, Subscription, n, Acked, consumeTimeout.Token);
            samples = await sampler.StopAsync();

            // On the consumer's loop: the timer learns the progress, and each quarter is read as it is crossed.
            void Acked(int consumed)
            {
                sampler.Report(consumed);
                while (nextQuarter < quarters.Length && consumed >= QuarterEnd(n, nextQuarter + 1))
                    quarters[nextQuarter++] = sampler.Take(consumed);
            }
        }
        return new MemoryResult(append, consume, Profile(n, before, quarters, samples));
    }

    // The first event count at or past quarter q (1..4) of n.
    private static long QuarterEnd(int n, int q) => ((long)n * q + 3) / 4;

    // The quarter readings are among the samples, so for n >= 2 each half has at least one.
    private static RssProfile? Profile(int n, double? before, double?[] quarters, RssSample[] samples)
    {
        if (before is not { } start || quarters.Any(q => q is null)) return null;
        var firstHalf = samples.Where(s => 2L * s.Progress <= n).Select(s => s.MiB).ToArray();
        var secondHalf = samples.Where(s => 2L * s.Progress > n).Select(s => s.MiB).ToArray();
        if (firstHalf.Length == 0 || secondHalf.Length == 0) return null;
        return new RssProfile(start, samples.Max(s => s.MiB), quarters.Select(q => q!.Value).ToArray(), firstHalf.Max(), secondHalf.Max());
    }
}
