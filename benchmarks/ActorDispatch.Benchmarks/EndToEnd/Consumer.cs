using System.Diagnostics;
using ActorDispatch.Benchmarks.Shared;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>What one consumer saw: first listen to last ack, its sequence check and latencies.</summary>
internal sealed record ConsumeResult(Interval Span, SequenceTracker Sequences, Latencies Latencies);

/// <summary>
/// Consumes a durable subscription in process with <see cref="IActorDispatch.ListenAsync"/>, acking
/// every delivery, until each of the <c>expected</c> sequences has arrived; leaving the enumeration
/// closes the connection.
/// </summary>
internal static class Consumer
{
    public static Task<ConsumeResult> RunAsync(IActorDispatch engine, string @namespace, string name, int expected, CancellationToken ct) =>
        RunAsync(engine, @namespace, name, expected, acked: null, ct);

    /// <param name="acked">
    /// Called after each ack with the number of distinct sequences seen so far, on the consumer's
    /// own loop: whoever watches the consumption (mode M's RSS sampler) learns how far it has got.
    /// </param>
    public static async Task<ConsumeResult> RunAsync(
        IActorDispatch engine, string @namespace, string name, int expected, Action<int>? acked, CancellationToken ct)
    {
        var sequences = new SequenceTracker(expected);
        var latencies = new Latencies(expected);
        var start = Stopwatch.GetTimestamp();
        await foreach (var delivery in engine.ListenAsync(@namespace, name, ct))
        {
            var received = Stopwatch.GetTimestamp();
            var data = delivery.Event.Data ?? throw new InvalidOperationException($"event {delivery.Event.Sequence} arrived without data");
            var (sequence, published) = BenchPayload.Read(data);
            if (sequences.See(sequence)) latencies.Add(received - published);
            await delivery.AckAsync();
            acked?.Invoke(sequences.Unique);
            if (sequences.Complete) return new ConsumeResult(new Interval(start, Stopwatch.GetTimestamp()), sequences, latencies);
        }
        throw new InvalidOperationException($"{name}: the subscription ended after {sequences.Unique} of {expected} events");
    }
}
