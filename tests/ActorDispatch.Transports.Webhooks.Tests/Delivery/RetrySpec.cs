using ActorDispatch.Transports.Webhooks.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace ActorDispatch.Transports.Webhooks.Tests.Delivery;

/// <summary>Retries of transient failures, Retry-After, timeouts, and rejection when retries run out.</summary>
public sealed class RetrySpec(ITestOutputHelper output) : WebhookSpec(output)
{
    private static Func<ReceivedRequest, HttpContext, Task> FailFirst(int failures, int status, string? retryAfter = null)
    {
        var count = 0;
        return (_, ctx) =>
        {
            if (Interlocked.Increment(ref count) <= failures)
            {
                ctx.Response.StatusCode = status;
                if (retryAfter is not null) ctx.Response.Headers.RetryAfter = retryAfter;
            }
            return Task.CompletedTask;
        };
    }

    /// <summary>Waits until the engine has replayed deliveries after rejects at least <paramref name="count"/> times.</summary>
    private Task AwaitRedeliveredAsync(long count) =>
        AwaitAssertAsync(async () => Assert.True((await Engine.GetSubscriptionStatusAsync(Ns, "hook")).Redelivered >= count),
            TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));

    [Theory]
    [InlineData(503)]
    [InlineData(500)]
    [InlineData(408)]
    [InlineData(429)]
    public async Task Transient_status_is_retried_then_acked(int status)
    {
        Receiver.Handler = FailFirst(2, status);
        await SubscribeAsync("""{"url":"{url}","retry":{"count":3,"initialDelay":"10ms","maxDelay":"50ms"}}""");
        await AppendAsync(1);

        await AwaitOffsetAsync(1);
        Assert.Equal(3, Receiver.Requests.Count);
        Assert.All(Receiver.Requests, r => Assert.Equal(1, r.Number));
    }

    [Fact]
    public async Task Retry_after_is_honoured_before_the_next_attempt()
    {
        Receiver.Handler = FailFirst(1, StatusCodes.Status429TooManyRequests, retryAfter: "1");
        await SubscribeAsync("""{"url":"{url}","retry":{"count":2,"initialDelay":"1ms","maxDelay":"5s"}}""");
        await AppendAsync(1);

        var requests = await Receiver.WaitForAsync(2);
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromMilliseconds(900), $"retried after {(requests[1].At - requests[0].At).TotalMilliseconds}ms");
        await AwaitOffsetAsync(1);
    }

    [Fact]
    public async Task Retry_after_is_capped_at_retry_max_delay()
    {
        Receiver.Handler = FailFirst(1, StatusCodes.Status503ServiceUnavailable, retryAfter: "3600");
        await SubscribeAsync("""{"url":"{url}","retry":{"count":2,"initialDelay":"1ms","maxDelay":"100ms"}}""");
        await AppendAsync(1);

        await AwaitOffsetAsync(1, within: TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Connection_refused_is_retried_and_rejected_when_retries_run_out()
    {
        await Receiver.StopAsync();
        await SubscribeAsync("""{"url":"{url}","retry":{"count":2,"initialDelay":"10ms","maxDelay":"20ms"}}""");
        await AppendAsync(2);

        // Rejected (the engine replays event 1) and nothing acked while the receiver is down; after it comes back, both arrive.
        await AwaitRedeliveredAsync(2);
        Assert.Equal(0, await OffsetAsync());
        await Receiver.RestartAsync();
        await AwaitOffsetAsync(2);
        Assert.Equal([1L, 2L], Receiver.Requests.Select(r => r.Number).Distinct());
    }

    [Fact]
    public async Task Exhausted_retries_reject_and_the_subscription_replays_from_its_committed_offset()
    {
        // Event 2 fails 5 times: 3 attempts (1 + retry.count 2) in one round, rejected, then replayed.
        var failures = 0;
        Receiver.Handler = (r, ctx) =>
        {
            if (r.Number == 2 && Interlocked.Increment(ref failures) <= 5) ctx.Response.StatusCode = 502;
            return Task.CompletedTask;
        };
        await SubscribeAsync("""{"url":"{url}","retry":{"count":2,"initialDelay":"5ms","maxDelay":"10ms"}}""");
        await AppendAsync(3);

        await AwaitOffsetAsync(3);
        var numbers = Receiver.Requests.Select(r => r.Number).ToList();
        Assert.Equal(1, numbers.Count(n => n == 1));
        Assert.Equal(6, numbers.Count(n => n == 2));
        Assert.Equal(3, numbers[^1]);
    }

    [Fact]
    public async Task Retry_disabled_rejects_after_one_attempt()
    {
        Receiver.Handler = FailFirst(1, 503);
        await SubscribeAsync("""{"url":"{url}","retry":{"enabled":false}}""");
        await AppendAsync(1);

        await AwaitOffsetAsync(1);
        // The second request is the engine's replay after the reject, not an HTTP retry.
        Assert.Equal(2, Receiver.Requests.Count);
        Assert.Equal(1, (await Engine.GetSubscriptionStatusAsync(Ns, "hook")).Redelivered);
    }

    [Fact]
    public async Task Client_error_rejects_at_once_and_rewinds_with_a_growing_pause()
    {
        var rejecting = true;
        Receiver.Handler = (_, ctx) =>
        {
            if (Volatile.Read(ref rejecting)) ctx.Response.StatusCode = StatusCodes.Status400BadRequest;
            return Task.CompletedTask;
        };
        // Retries would come every millisecond: the spacing seen is the engine's rewind pause (50ms doubling to 200ms here).
        await SubscribeAsync("""{"url":"{url}","retry":{"count":5,"initialDelay":"1ms","maxDelay":"1ms"}}""");
        await AppendAsync(2);

        var requests = await Receiver.WaitForAsync(6);
        Assert.All(requests, r => Assert.Equal(1, r.Number));
        var gaps = requests.Zip(requests.Skip(1), (a, b) => (b.At - a.At).TotalMilliseconds).ToList();
        Output?.WriteLine($"gaps between attempts: {string.Join(", ", gaps.Select(g => $"{g:0}ms"))}");
        Assert.All(gaps.Skip(1), g => Assert.True(g >= 40, $"a rewind came after {g:0}ms, expected the rewind pause"));
        Assert.True(gaps[^1] >= 150, $"the pause did not grow: {gaps[^1]:0}ms");
        Assert.Equal(0, await OffsetAsync());

        Volatile.Write(ref rejecting, false);
        await AwaitOffsetAsync(2);
    }

    [Fact]
    public async Task A_receiver_that_hangs_past_the_request_timeout_is_retried()
    {
        var calls = 0;
        Receiver.Handler = async (_, ctx) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(10), ctx.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    // The transport gave up on this request.
                }
            }
        };
        await SubscribeAsync("""{"url":"{url}","httpOptions":{"requestTimeout":"300ms"},"retry":{"count":1,"initialDelay":"10ms","maxDelay":"10ms"}}""");
        await AppendAsync(1);

        await AwaitOffsetAsync(1, within: TimeSpan.FromSeconds(5));
        var requests = Receiver.Requests;
        Assert.Equal(2, requests.Count);
        Assert.InRange((requests[1].At - requests[0].At).TotalMilliseconds, 250, 3000);
    }

    [Fact]
    public async Task A_receiver_that_always_hangs_is_rejected_and_nothing_is_acked()
    {
        Receiver.Handler = async (_, ctx) =>
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(10), ctx.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
        };
        await SubscribeAsync("""{"url":"{url}","httpOptions":{"requestTimeout":"200ms"},"retry":{"count":1,"initialDelay":"10ms","maxDelay":"10ms"}}""");
        await AppendAsync(1);

        // Two attempts per round, then the engine's replay: a third request proves the reject and rewind.
        await Receiver.WaitForAsync(3, TimeSpan.FromSeconds(5));
        Assert.Equal(0, await OffsetAsync());
    }

    [Fact]
    public async Task Receiver_down_with_read_ahead_then_back_gets_every_event()
    {
        await Receiver.StopAsync();
        await SubscribeAsync("""{"url":"{url}","retry":{"count":1,"initialDelay":"10ms","maxDelay":"20ms"}}""", readAhead: 3);
        await AppendAsync(10);

        // Parallel deliveries fail together: one is rejected, the others are cancelled and the window replays.
        await AwaitRedeliveredAsync(8);
        Assert.Equal(0, await OffsetAsync());

        await Receiver.RestartAsync();
        await AwaitOffsetAsync(10);
        Assert.Equal(Enumerable.Range(1, 10).Select(n => (long)n), Receiver.Requests.Select(r => r.Number).Distinct().Order());
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Receiver_down_for_seconds_then_back_gets_every_event_in_order_and_none_is_acked_while_down()
    {
        await SubscribeAsync("""{"url":"{url}","retry":{"count":2,"initialDelay":"20ms","maxDelay":"100ms"}}""");
        await AppendAsync(5);
        await AwaitOffsetAsync(5);

        await Receiver.StopAsync();
        var before = Receiver.Requests.Count;
        await AppendAsync(10, first: 6);
        // Several seconds down: deliveries are retried, rejected and replayed over and over, and none is acked.
        var down = DateTime.UtcNow;
        while (DateTime.UtcNow - down < TimeSpan.FromSeconds(3))
        {
            Assert.Equal(5, await OffsetAsync());
            await Task.Delay(200);
        }
        await AwaitRedeliveredAsync(3);
        Assert.Equal(5, await OffsetAsync());
        Assert.Equal(before, Receiver.Requests.Count);

        await Receiver.RestartAsync();
        await AwaitOffsetAsync(15, within: TimeSpan.FromSeconds(20));
        var after = Receiver.Requests.Skip(before).Select(r => r.Number).ToList();
        Assert.Equal(Enumerable.Range(6, 10).Select(n => (long)n), after.Distinct());
        Assert.Equal(after.Order(), after);
    }
}
