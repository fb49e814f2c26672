using System.Diagnostics;
using ActorDispatch.Benchmarks.Shared;
using ActorDispatch.PeerBench.Brokers;

namespace ActorDispatch.PeerBench;

/// <summary>
/// Publishes benchmark events as the e2e runner appends them (<see cref="PublishWindow"/>): one event
/// per call, at most a window of them not yet confirmed, optionally paced to a fixed rate. Event
/// <c>i</c> carries sequence <c>i</c> and the timestamp taken when it was handed to the client.
/// </summary>
internal sealed class Publisher(IPeerPublisher publisher, BenchPayload payload)
{
    /// <summary>Publishes <paramref name="count"/> events; <paramref name="ratePerSecond"/> 0 is flat out. Returns first publish to last confirmation.</summary>
    public Task<Interval> PublishAsync(int count, int maxUnconfirmed, int ratePerSecond, CancellationToken ct) =>
        PublishWindow.RunAsync(count, 1, maxUnconfirmed, ratePerSecond, "publish",
            (sequence, _, token) => publisher.PublishAsync(payload.CreateBytes(sequence, Stopwatch.GetTimestamp()), token), ct);
}
