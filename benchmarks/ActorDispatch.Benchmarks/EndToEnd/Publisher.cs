using System.Diagnostics;
using ActorDispatch.Benchmarks.Shared;
using ActorDispatch.Model;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>
/// Appends benchmark events through <see cref="IE2eHost.AppendAsync"/> (the engine in process, or REST)
/// the way PeerBench publishes: at most a window of events appended but not yet confirmed durable,
/// optionally paced to a fixed rate. Event <c>i</c> carries sequence <c>i</c> and the timestamp
/// taken when it was handed to the engine.
/// </summary>
internal sealed class Publisher(IE2eHost host, BenchPayload payload)
{
    /// <summary>
    /// Appends <paramref name="count"/> events, <paramref name="eventsPerCall"/> per call, with at most
    /// <paramref name="maxUnconfirmed"/> events outstanding; <paramref name="ratePerSecond"/> 0 is flat out.
    /// Returns first append to last confirmation.
    /// </summary>
    public async Task<Interval> PublishAsync(int count, int eventsPerCall, int maxUnconfirmed, int ratePerSecond, CancellationToken ct)
    {
        var maxCalls = Math.Max(1, maxUnconfirmed / eventsPerCall);
        // Not disposed: after a cancelled run an abandoned append may still release its slot.
        var slots = new SemaphoreSlim(maxCalls, maxCalls);
        Exception? failure = null;
        var start = Stopwatch.GetTimestamp();
        for (var next = 0; next < count && Volatile.Read(ref failure) is null; next += eventsPerCall)
        {
            if (ratePerSecond > 0) await PaceAsync(start, next, ratePerSecond, ct);
            await slots.WaitAsync(ct);
            _ = AppendAsync(Create(next, Math.Min(eventsPerCall, count - next)));
        }
        for (var i = 0; i < maxCalls; i++) await slots.WaitAsync(ct); // every append confirmed
        var end = Stopwatch.GetTimestamp();
        if (failure is not null) throw new InvalidOperationException($"append failed: {failure.Message}", failure);
        return new Interval(start, end);

        async Task AppendAsync(NewEvent[] events)
        {
            try
            {
                await host.AppendAsync(events, ct);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
            }
            finally
            {
                slots.Release();
            }
        }
    }

    private NewEvent[] Create(int firstSequence, int count)
    {
        var now = Stopwatch.GetTimestamp();
        var events = new NewEvent[count];
        for (var i = 0; i < count; i++)
            events[i] = new NewEvent { Type = "order_created", Topic = "orders", Data = payload.Create(firstSequence + i, now) };
        return events;
    }

    // Waits until event `index` is due; a publisher that fell behind catches up without waiting.
    internal static async Task PaceAsync(long start, int index, int ratePerSecond, CancellationToken ct)
    {
        var ahead = start + (long)(index * (double)Stopwatch.Frequency / ratePerSecond) - Stopwatch.GetTimestamp();
        if (ahead * 1000 >= Stopwatch.Frequency) await Task.Delay(TimeSpan.FromSeconds(ahead / (double)Stopwatch.Frequency), ct);
    }
}
