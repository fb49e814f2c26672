using System.Diagnostics;
using ActorDispatch.Benchmarks.Shared;
using ActorDispatch.PeerBench.Brokers;

namespace ActorDispatch.PeerBench;

/// <summary>
/// Publishes benchmark events as the e2e runner appends them: one event per call, at most a window
/// of them not yet confirmed, optionally paced to a fixed rate. Event <c>i</c> carries sequence
/// <c>i</c> and the timestamp taken when it was handed to the client.
/// </summary>
internal sealed class Publisher(IPeerPublisher publisher, BenchPayload payload)
{
    /// <summary>Publishes <paramref name="count"/> events; <paramref name="ratePerSecond"/> 0 is flat out. Returns first publish to last confirmation.</summary>
    public async Task<Interval> PublishAsync(int count, int maxUnconfirmed, int ratePerSecond, CancellationToken ct)
    {
        // Not disposed: after a cancelled run an abandoned publish may still release its slot.
        var slots = new SemaphoreSlim(maxUnconfirmed, maxUnconfirmed);
        Exception? failure = null;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count && Volatile.Read(ref failure) is null; i++)
        {
            if (ratePerSecond > 0) await PaceAsync(start, i, ratePerSecond, ct);
            await slots.WaitAsync(ct);
            _ = PublishOneAsync(payload.CreateBytes(i, Stopwatch.GetTimestamp()));
        }
        for (var i = 0; i < maxUnconfirmed; i++) await slots.WaitAsync(ct); // every publish confirmed
        var end = Stopwatch.GetTimestamp();
        if (failure is not null) throw new InvalidOperationException($"publish failed: {failure.Message}", failure);
        return new Interval(start, end);

        async Task PublishOneAsync(byte[] body)
        {
            try
            {
                await publisher.PublishAsync(body, ct);
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

    // Waits until event `index` is due; a publisher that fell behind catches up without waiting.
    private static async Task PaceAsync(long start, int index, int ratePerSecond, CancellationToken ct)
    {
        var ahead = start + (long)(index * (double)Stopwatch.Frequency / ratePerSecond) - Stopwatch.GetTimestamp();
        if (ahead * 1000 >= Stopwatch.Frequency) await Task.Delay(TimeSpan.FromSeconds(ahead / (double)Stopwatch.Frequency), ct);
    }
}
