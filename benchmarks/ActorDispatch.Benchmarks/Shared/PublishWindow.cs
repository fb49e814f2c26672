using System.Diagnostics;

namespace ActorDispatch.Benchmarks.Shared;

/// <summary>
/// How the e2e runner appends and PeerBench publishes: calls of up to a number of events each, at
/// most a window of events not yet confirmed, optionally paced to a fixed rate. PeerBench compiles
/// this file in by link, so that both load their system the same way.
/// </summary>
internal static class PublishWindow
{
    /// <summary>
    /// Sends events 0..<paramref name="count"/>-1 through <paramref name="send"/> (first event, events,
    /// token), <paramref name="eventsPerCall"/> per call, with at most <paramref name="maxUnconfirmed"/>
    /// events outstanding; <paramref name="ratePerSecond"/> 0 is flat out. <paramref name="send"/> is
    /// called in order, and should take its events' timestamps before it first awaits. Returns first
    /// send to last confirmation; a failed send stops the loop and is thrown as "<paramref name="verb"/> failed".
    /// </summary>
    public static async Task<Interval> RunAsync(int count, int eventsPerCall, int maxUnconfirmed, int ratePerSecond, string verb,
        Func<int, int, CancellationToken, ValueTask> send, CancellationToken ct)
    {
        var maxCalls = Math.Max(1, maxUnconfirmed / eventsPerCall);
        // Not disposed: after a cancelled run an abandoned send may still release its slot.
        var slots = new SemaphoreSlim(maxCalls, maxCalls);
        Exception? failure = null;
        var start = Stopwatch.GetTimestamp();
        for (var next = 0; next < count && Volatile.Read(ref failure) is null; next += eventsPerCall)
        {
            if (ratePerSecond > 0) await PaceAsync(start, next, ratePerSecond, ct);
            await slots.WaitAsync(ct);
            _ = SendAsync(next, Math.Min(eventsPerCall, count - next));
        }
        for (var i = 0; i < maxCalls; i++) await slots.WaitAsync(ct); // every send confirmed
        var end = Stopwatch.GetTimestamp();
        if (failure is not null) throw new InvalidOperationException($"{verb} failed: {failure.Message}", failure);
        return new Interval(start, end);

        async Task SendAsync(int first, int events)
        {
            try
            {
                await send(first, events, ct);
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

    /// <summary>Waits until event <paramref name="index"/> is due; a publisher that fell behind catches up without waiting.</summary>
    public static async Task PaceAsync(long start, int index, int ratePerSecond, CancellationToken ct)
    {
        var ahead = start + (long)(index * (double)Stopwatch.Frequency / ratePerSecond) - Stopwatch.GetTimestamp();
        if (ahead * 1000 >= Stopwatch.Frequency) await Task.Delay(TimeSpan.FromSeconds(ahead / (double)Stopwatch.Frequency), ct);
    }
}
