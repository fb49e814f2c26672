using ActorDispatch.Benchmarks.Shared;

namespace ActorDispatch.Benchmarks.EndToEnd;

internal sealed record BacklogResult(Interval Append, Interval AppendBatched, ConsumeResult Consume, double? RssMiB);

/// <summary>
/// Mode A: append N events with nobody listening, then consume and ack them all through one
/// subscription from the oldest event, over the host's transport. The append is PeerBench's publish (one event per call, a
/// window of unconfirmed events); the batched append (many events per call) runs on a store of
/// its own, so that both append figures start from an empty file.
/// </summary>
internal static class BacklogMode
{
    private const string Subscription = "bench";

    public static async Task<BacklogResult> RunAsync(E2eOptions o, BenchPayload payload)
    {
        Interval append;
        ConsumeResult consume;
        double? rss;
        await using (var host = await E2eHost.StartAsync("e2e-backlog", o))
        {
            using (var timeout = new CancellationTokenSource(o.PhaseTimeout))
                append = await new Publisher(host, payload).PublishAsync(o.N, 1, o.PubWindow, 0, timeout.Token);

            using (var timeout = new CancellationTokenSource(o.PhaseTimeout))
            {
                await host.CreateSubscriptionAsync(Subscription, "oldest", o.N, timeout.Token);
                consume = await host.ConsumeAsync(Subscription, o.N, timeout.Token);
            }
            rss = ProcessMemory.RssMiB();
        }

        Interval appendBatched;
        await using (var host = await E2eHost.StartAsync("e2e-backlog-batched", o))
        {
            using var timeout = new CancellationTokenSource(o.PhaseTimeout);
            appendBatched = await new Publisher(host, payload).PublishAsync(o.N, o.BatchSize, o.PubWindow, 0, timeout.Token);
        }
        return new BacklogResult(append, appendBatched, consume, rss);
    }
}
