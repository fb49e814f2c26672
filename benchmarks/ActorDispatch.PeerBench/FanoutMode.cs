using ActorDispatch.Benchmarks.Shared;
using ActorDispatch.PeerBench.Brokers;

namespace ActorDispatch.PeerBench;

internal sealed record FanoutResult(Interval Publish, Interval Deliver, IReadOnlyList<ConsumeResult> Consumers);

/// <summary>
/// Mode C: publish a backlog, then K independent durable consumers each consume all of it,
/// concurrently. Deliveries per second count every consumer's, from the first start to the last ack.
/// </summary>
internal static class FanoutMode
{
    public static async Task<FanoutResult> RunAsync(IPeerBroker broker, PeerOptions o, BenchPayload payload)
    {
        Interval publish;
        using (var timeout = new CancellationTokenSource(o.PhaseTimeout))
        {
            // The consumers exist before the publish: RabbitMQ's fanout exchange drops what no queue is bound to.
            await broker.CreateAsync(o.FanoutConsumers, o.Window, timeout.Token);
            await using var publisher = await broker.OpenPublisherAsync(timeout.Token);
            publish = await new Publisher(publisher, payload).PublishAsync(o.FanoutN, o.PubWindow, 0, timeout.Token);
        }

        using var consumeTimeout = new CancellationTokenSource(o.PhaseTimeout);
        var progress = Enumerable.Range(0, o.FanoutConsumers).Select(_ => new ConsumeProgress(o.FanoutN)).ToArray();
        await Task.WhenAll(progress.Select((p, i) => Task.Run(() => ConsumeAsync(broker, i, o.Window, p, consumeTimeout))));
        var consumers = progress.Select((p, i) => p.Result($"consumer {i}")).ToArray();
        return new FanoutResult(publish, new Interval(consumers.Min(c => c.Span.Start), consumers.Max(c => c.Span.End)), consumers);
    }

    // One failed consumer stops the others rather than leaving them to run into the timeout.
    private static async Task ConsumeAsync(IPeerBroker broker, int index, int window, ConsumeProgress progress, CancellationTokenSource all)
    {
        try
        {
            await broker.ConsumeAsync(index, window, progress, all.Token);
        }
        catch
        {
            await all.CancelAsync();
            throw;
        }
    }
}
