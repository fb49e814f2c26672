using System.Diagnostics;
using ActorDispatch.Benchmarks.Shared;
using ActorDispatch.Model;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>
/// Appends benchmark events through <see cref="IE2eHost.AppendAsync"/> (the engine in process, or REST)
/// the way PeerBench publishes (<see cref="PublishWindow"/>): at most a window of events appended
/// but not yet confirmed durable, optionally paced to a fixed rate. Event <c>i</c> carries sequence
/// <c>i</c> and the timestamp taken when it was handed to the engine.
/// </summary>
internal sealed class Publisher(IE2eHost host, BenchPayload payload)
{
    /// <summary>
    /// Appends <paramref name="count"/> events, <paramref name="eventsPerCall"/> per call, with at most
    /// <paramref name="maxUnconfirmed"/> events outstanding; <paramref name="ratePerSecond"/> 0 is flat out.
    /// Returns first append to last confirmation.
    /// </summary>
    public Task<Interval> PublishAsync(int count, int eventsPerCall, int maxUnconfirmed, int ratePerSecond, CancellationToken ct) =>
        PublishWindow.RunAsync(count, eventsPerCall, maxUnconfirmed, ratePerSecond, "append",
            (first, events, token) => new ValueTask(host.AppendAsync(Create(first, events), token)), ct);

    private NewEvent[] Create(int firstSequence, int count)
    {
        var now = Stopwatch.GetTimestamp();
        var events = new NewEvent[count];
        for (var i = 0; i < count; i++)
            events[i] = new NewEvent { Type = "order_created", Topic = "orders", Data = payload.Create(firstSequence + i, now) };
        return events;
    }
}
