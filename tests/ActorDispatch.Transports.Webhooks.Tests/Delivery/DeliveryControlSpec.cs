using ActorDispatch.Model;
using ActorDispatch.Transports.Webhooks.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace ActorDispatch.Transports.Webhooks.Tests.Delivery;

/// <summary>maxDeliveries and Retry-After over real HTTP: a poison event is parked, the stream goes on.</summary>
public sealed class DeliveryControlSpec(ITestOutputHelper output) : WebhookSpec(output)
{
    private Task<Subscription> SubscribeAsync(string transportOptions, int maxDeliveries) =>
        Engine.CreateSubscriptionAsync(new SubscriptionInput
        {
            Namespace = Ns,
            Name = "hook",
            Transport = WebhooksTransport.TransportName,
            Options = Options(transportOptions) with { FirstEvent = "oldest", MaxDeliveries = maxDeliveries },
        });

    [Fact]
    public async Task A_receiver_that_refuses_one_event_gets_it_exactly_maxDeliveries_times_and_every_other_event_flows()
    {
        Receiver.Handler = (request, ctx) =>
        {
            if (request.Number == 3) ctx.Response.StatusCode = StatusCodes.Status400BadRequest;
            return Task.CompletedTask;
        };
        await SubscribeAsync("""{"url":"{url}"}""", maxDeliveries: 3);
        await AppendAsync(5);

        await AwaitOffsetAsync(5);
        var parked = Assert.Single(await Engine.GetParkedEventsAsync(Ns, "hook"));
        Assert.Equal(3, parked.Sequence);
        Assert.Equal(3, parked.Deliveries);
        Assert.Contains("400", parked.Reason);
        await Task.Delay(300); // a fourth attempt, were one coming, would have been sent by now
        Assert.Equal(3, Receiver.Requests.Count(r => r.Number == 3));
        Assert.Equal([1L, 2L, 4L, 5L], Receiver.Requests.Where(r => r.Number != 3).Select(r => r.Number).Distinct().Order());
    }

    [Fact]
    public async Task A_Retry_After_on_the_answer_that_failed_delays_the_redelivery()
    {
        var first = true;
        Receiver.Handler = (_, ctx) =>
        {
            if (!first) return Task.CompletedTask;
            first = false;
            ctx.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            ctx.Response.Headers.RetryAfter = "1";
            return Task.CompletedTask;
        };
        await SubscribeAsync("""{"url":"{url}","retry":{"count":0}}""", maxDeliveries: 0);
        await AppendAsync(1);

        var requests = await Receiver.WaitForAsync(2, TimeSpan.FromSeconds(10));
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromMilliseconds(900), $"redelivered after {(requests[1].At - requests[0].At).TotalMilliseconds:0} ms");
        await AwaitOffsetAsync(1);
    }
}
