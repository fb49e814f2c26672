using ActorDispatch.Benchmarks.Shared;

namespace ActorDispatch.Benchmarks.EndToEnd;

internal sealed record LiveResult(Interval EndToEnd, Interval Publish, ConsumeResult Consume, double? RssMiB);

/// <summary>
/// Mode B: a caught-up subscription (created at <c>newest</c> before anything is appended) consumes
/// while the publisher appends N events, flat out or paced at <c>--live-rate</c>. Latency is receive
/// time minus the publish timestamp carried in each event.
/// </summary>
internal static class LiveMode
{
    private const string Subscription = "bench";

    // As PeerBench: once attached, let the subscription's stream start before the clock does.
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(250);

    public static async Task<LiveResult> RunAsync(E2eOptions o, BenchPayload payload)
    {
        await using var host = await E2eHost.StartAsync("e2e-live", o);
        // Publisher and consumer run together, so they share one limit.
        using var timeout = new CancellationTokenSource(2 * o.PhaseTimeout);
        try
        {
            await host.CreateSubscriptionAsync(Subscription, "newest", o.N, timeout.Token);
            var consumer = host.ConsumeAsync(Subscription, o.N, timeout.Token);
            await host.WaitUntilConnectedAsync(Subscription, consumer, timeout.Token);
            await Task.Delay(Settle, timeout.Token);

            var publish = await new Publisher(host, payload).PublishAsync(o.N, 1, o.PubWindow, o.LiveRate, timeout.Token);
            var consume = await consumer;
            return new LiveResult(new Interval(publish.Start, consume.Span.End), publish, consume, ProcessMemory.RssMiB());
        }
        finally
        {
            // A consumer left behind by a failed publish stops now rather than at the timeout.
            await timeout.CancelAsync();
        }
    }
}
