using ActorDispatch.Benchmarks.Shared;

namespace ActorDispatch.Benchmarks.EndToEnd;

internal sealed record FanoutResult(Interval Publish, Interval Deliver, IReadOnlyList<ConsumeResult> Consumers, double? RssMiB);

/// <summary>
/// Mode C: append a backlog, then K durable subscriptions each consume all of it, concurrently.
/// Deliveries per second count every subscription's deliveries, from the first listen to the last ack.
/// </summary>
internal static class FanoutMode
{
    public static async Task<FanoutResult> RunAsync(E2eOptions o, BenchPayload payload)
    {
        await using var host = await E2eHost.StartAsync("e2e-fanout", o);
        Interval publish;
        using (var timeout = new CancellationTokenSource(o.PhaseTimeout))
            publish = await new Publisher(host, payload).PublishAsync(o.FanoutN, 1, o.PubWindow, 0, timeout.Token);

        using var consumeTimeout = new CancellationTokenSource(o.PhaseTimeout);
        var names = Enumerable.Range(0, o.FanoutSubscriptions).Select(i => $"fanout-{i}").ToArray();
        foreach (var name in names) await host.CreateSubscriptionAsync(name, "oldest", o.FanoutN, consumeTimeout.Token);
        var consumers = await Task.WhenAll(names.Select(name => Task.Run(() => ConsumeAsync(host, name, o.FanoutN, consumeTimeout))));

        var deliver = new Interval(consumers.Min(c => c.Span.Start), consumers.Max(c => c.Span.End));
        return new FanoutResult(publish, deliver, consumers, ProcessMemory.RssMiB());
    }

    // One failed consumer stops the others rather than leaving them to run into the timeout.
    private static async Task<ConsumeResult> ConsumeAsync(IE2eHost host, string name, int expected, CancellationTokenSource all)
    {
        try
        {
            return await host.ConsumeAsync(name, expected, all.Token);
        }
        catch
        {
            await all.CancelAsync();
            throw;
        }
    }
}
