using ActorDispatch.Transports.Webhooks.Tests.Support;

namespace ActorDispatch.Transports.Webhooks.Tests.Delivery;

/// <summary>One request at a time and in order with readAhead 0; parallel requests with readAhead &gt; 0.</summary>
public sealed class OrderingSpec(ITestOutputHelper output) : WebhookSpec(output)
{
    private int _concurrent;
    private int _maxConcurrent;

    private void TrackConcurrency(TimeSpan holdFor, int releaseAt = int.MaxValue)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Receiver.Handler = async (_, ctx) =>
        {
            var now = Interlocked.Increment(ref _concurrent);
            InterlockedMax(ref _maxConcurrent, now);
            if (now >= releaseAt) gate.TrySetResult();
            // Hold each request until enough are in progress together (or for a bounded time).
            await Task.WhenAny(gate.Task, Task.Delay(holdFor, ctx.RequestAborted));
            Interlocked.Decrement(ref _concurrent);
        };
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    [Fact]
    public async Task ReadAhead_zero_sends_one_request_at_a_time_in_sequence_order()
    {
        TrackConcurrency(TimeSpan.FromMilliseconds(20));
        await AppendAsync(20);
        await SubscribeAsync("""{"url":"{url}"}""");

        var requests = await Receiver.WaitForAsync(20);
        Assert.Equal(Enumerable.Range(1, 20).Select(n => (long)n), requests.Select(r => r.Number));
        Assert.Equal(1, _maxConcurrent);
        await AwaitOffsetAsync(20);
    }

    [Fact]
    public async Task ReadAhead_sends_that_many_more_requests_in_parallel_and_still_commits_every_event()
    {
        // Requests are held until five are in progress together: only parallel sending gets past it quickly.
        TrackConcurrency(TimeSpan.FromSeconds(5), releaseAt: 5);
        await AppendAsync(30);
        await SubscribeAsync("""{"url":"{url}"}""", readAhead: 4);

        var requests = await Receiver.WaitForAsync(30, TimeSpan.FromSeconds(20));
        Assert.Equal(5, _maxConcurrent);
        Assert.Equal(Enumerable.Range(1, 30).Select(n => (long)n), requests.Select(r => r.Number).Order());
        await AwaitOffsetAsync(30);
    }
}
