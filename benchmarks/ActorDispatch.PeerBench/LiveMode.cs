using ActorDispatch.Benchmarks.Shared;
using ActorDispatch.PeerBench.Brokers;

namespace ActorDispatch.PeerBench;

internal sealed record LiveResult(Interval EndToEnd, Interval Publish, ConsumeResult Consume);

/// <summary>
/// Mode B: one consumer, running before anything is published, consumes while the publisher publishes
/// N events, flat out or paced at <c>--live-rate</c>. Latency is receive time minus the publish
/// timestamp carried in each event.
/// </summary>
internal static class LiveMode
{
    // As the e2e runner: once the consumer is attached, let its stream start before the clock does.
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(250);

    public static async Task<LiveResult> RunAsync(IPeerBroker broker, PeerOptions o, BenchPayload payload)
    {
        // Publisher and consumer run together, so they share one limit.
        using var timeout = new CancellationTokenSource(2 * o.PhaseTimeout);
        await broker.CreateAsync(1, o.Window, timeout.Token);
        await using var publisher = await broker.OpenPublisherAsync(timeout.Token);
        var progress = new ConsumeProgress(o.N);
        var consumer = broker.ConsumeAsync(0, o.Window, progress, timeout.Token);
        try
        {
            // A consumer that fails to connect surfaces here rather than at the timeout.
            if (await Task.WhenAny(progress.Started, consumer) == consumer) await consumer;
            await Task.Delay(Settle, timeout.Token);
            var publish = await new Publisher(publisher, payload).PublishAsync(o.N, o.PubWindow, o.LiveRate, timeout.Token);
            await consumer;
            var consume = progress.Result("the consumer");
            return new LiveResult(new Interval(publish.Start, consume.Span.End), publish, consume);
        }
        finally
        {
            // A consumer left behind by a failed publish stops now rather than at the timeout.
            await timeout.CancelAsync();
            try
            {
                await consumer;
            }
            catch (Exception) when (timeout.IsCancellationRequested)
            {
                // Reported by whatever failed first.
            }
        }
    }
}
