using ActorDispatch.Benchmarks.Shared;
using ActorDispatch.PeerBench.Brokers;

namespace ActorDispatch.PeerBench;

internal sealed record BacklogResult(Interval Publish, ConsumeResult Consume);

/// <summary>
/// Mode A: publish N events with nobody consuming, then one durable consumer, created before the
/// publish at the destination's start, consumes and acks them all.
/// </summary>
internal static class BacklogMode
{
    public static async Task<BacklogResult> RunAsync(IPeerBroker broker, PeerOptions o, BenchPayload payload)
    {
        Interval publish;
        using (var timeout = new CancellationTokenSource(o.PhaseTimeout))
        {
            await broker.CreateAsync(1, o.Window, timeout.Token);
            await using var publisher = await broker.OpenPublisherAsync(timeout.Token);
            publish = await new Publisher(publisher, payload).PublishAsync(o.N, o.PubWindow, 0, timeout.Token);
        }

        using (var timeout = new CancellationTokenSource(o.PhaseTimeout))
        {
            var progress = new ConsumeProgress(o.N);
            await broker.ConsumeAsync(0, o.Window, progress, timeout.Token);
            return new BacklogResult(publish, progress.Result("the consumer"));
        }
    }
}
