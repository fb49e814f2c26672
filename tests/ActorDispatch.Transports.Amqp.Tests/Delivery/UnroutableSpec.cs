using ActorDispatch.Transports.Amqp.Tests.Support;

namespace ActorDispatch.Transports.Amqp.Tests.Delivery;

/// <summary>
/// A message no queue takes: with <c>mandatory</c> (the default) the broker returns it, the delivery
/// fails, nothing is acked and maxDeliveries parks it; without, the broker drops it and it is acked.
/// </summary>
public sealed class UnroutableSpec(ITestOutputHelper output) : AmqpSpec(output)
{
    private static string Nowhere => TestBroker.UniqueName("nowhere");

    [SkippableFact]
    public async Task An_unroutable_mandatory_message_is_not_acked_and_is_delivered_again()
    {
        RequireBroker();
        await SubscribeAsync(ToQueue(Nowhere));
        await AppendAsync(2);

        await AwaitAssertAsync(async () => Assert.True((await Engine.GetSubscriptionStatusAsync(Ns, "amqp")).Redelivered >= 2),
            TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(50));
        Assert.Equal(0, await OffsetAsync());
        Assert.Empty(await Engine.GetParkedEventsAsync(Ns, "amqp"));
    }

    [SkippableFact]
    public async Task Max_deliveries_parks_an_unroutable_message_with_the_broker_s_reason_and_delivery_goes_on()
    {
        RequireBroker();
        await SubscribeAsync(ToQueue(Nowhere), maxDeliveries: 2);
        await AppendAsync(2);

        await AwaitAssertAsync(async () => Assert.Equal(2, (await Engine.GetParkedEventsAsync(Ns, "amqp")).Count), TimeSpan.FromSeconds(20));
        var parked = await Engine.GetParkedEventsAsync(Ns, "amqp");
        Assert.All(parked, p => Assert.Contains("NO_ROUTE", p.Reason));
        Assert.All(parked, p => Assert.Equal(2, p.Deliveries));
        await AwaitOffsetAsync(2);
    }

    [SkippableFact]
    public async Task Without_mandatory_an_unroutable_message_is_acked()
    {
        RequireBroker();
        await SubscribeAsync(ToQueue(Nowhere, extra: ""","mandatory":false"""));
        await AppendAsync(3);

        await AwaitOffsetAsync(3);
        Assert.Equal(0, (await Engine.GetSubscriptionStatusAsync(Ns, "amqp")).Redelivered);
    }

    [SkippableFact]
    public async Task An_exchange_that_does_not_exist_fails_the_delivery_and_a_later_one_on_a_new_channel_succeeds()
    {
        RequireBroker();
        var queue = await Broker.DeclareQueueAsync("late");
        var exchange = TestBroker.UniqueName("missing");
        await SubscribeAsync($$"""{"exchange":"{{exchange}}","routingKey":"k"}""");
        await AppendAsync(1);

        // The broker closes the channel (404); the delivery is rejected and retried on a fresh channel.
        await AwaitAssertAsync(async () => Assert.True((await Engine.GetSubscriptionStatusAsync(Ns, "amqp")).Redelivered >= 1),
            TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(50));
        Assert.Equal(0, await OffsetAsync());
        var created = await Broker.DeclareExchangeNamedAsync(exchange, "direct");
        await Broker.BindAsync(queue, created, "k");
        await AwaitOffsetAsync(1);
        Assert.Equal([1], (await Broker.DrainAsync(queue)).Select(m => NumberOf(m.Body)).Distinct());
    }
}
