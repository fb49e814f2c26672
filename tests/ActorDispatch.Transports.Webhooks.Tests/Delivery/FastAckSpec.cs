using ActorDispatch.Transports.Webhooks.Tests.Support;

namespace ActorDispatch.Transports.Webhooks.Tests.Delivery;

/// <summary>FireFly's fire-and-forget: ack at once, send in the background on a bounded number of requests.</summary>
public sealed class FastAckSpec(ITestOutputHelper output)
    : WebhookSpec(output, "actordispatch.transports.webhooks.fastack-max-concurrent-requests = 2")
{
    [Fact]
    public async Task Fastack_acks_before_the_receiver_answers_on_at_most_the_configured_concurrent_requests()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inProgress = 0;
        Receiver.Handler = async (_, ctx) =>
        {
            Interlocked.Increment(ref inProgress);
            await Task.WhenAny(release.Task, Task.Delay(TimeSpan.FromSeconds(10), ctx.RequestAborted));
        };
        await SubscribeAsync("""{"url":"{url}","fastack":true}""");
        await AppendAsync(5);

        // Two requests hang, both acked; the third waits for a free request slot, so is not acked yet.
        await Receiver.WaitForAsync(2);
        await AwaitOffsetAsync(2);
        // The receiver records a request just before its handler runs.
        AwaitAssert(() => Assert.Equal(2, Volatile.Read(ref inProgress)));
        Assert.Equal(2, await OffsetAsync());

        release.SetResult();
        await AwaitOffsetAsync(5);
        var requests = await Receiver.WaitForAsync(5);
        Assert.Equal([1L, 2L, 3L, 4L, 5L], requests.Select(r => r.Number).Order());
    }

    [Fact]
    public async Task Fastack_failures_are_logged_not_redelivered()
    {
        Receiver.Handler = (_, ctx) =>
        {
            ctx.Response.StatusCode = 500;
            return Task.CompletedTask;
        };
        await SubscribeAsync("""{"url":"{url}","fastack":true,"retry":{"enabled":false}}""");
        await AppendAsync(3);

        await AwaitOffsetAsync(3);
        var requests = await Receiver.WaitForAsync(3);
        Assert.Equal([1L, 2L, 3L], requests.Select(r => r.Number).Order());
        Assert.Equal(0, (await Engine.GetSubscriptionStatusAsync(Ns, "hook")).Redelivered);
    }
}
