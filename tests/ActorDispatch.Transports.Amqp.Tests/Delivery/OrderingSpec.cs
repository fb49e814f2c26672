using ActorDispatch.Transports.Amqp.Tests.Support;

namespace ActorDispatch.Transports.Amqp.Tests.Delivery;

/// <summary>Order and completeness against the real broker, with many publishes in flight.</summary>
public sealed class OrderingSpec(ITestOutputHelper output) : AmqpSpec(output)
{
    [SkippableFact]
    public async Task A_thousand_events_arrive_in_a_queue_complete_and_in_order()
    {
        RequireBroker();
        var queue = await Broker.DeclareQueueAsync("order");
        var received = await Broker.ConsumeAsync(queue);
        await SubscribeAsync(ToQueue(queue), readAhead: 50);
        for (var first = 1; first <= 1000; first += 250) await AppendAsync(250, first);

        await AwaitOffsetAsync(1000, within: TimeSpan.FromSeconds(30));
        await AwaitAssertAsync(() => Assert.True(received.Count >= 1000), TimeSpan.FromSeconds(10));
        // Nothing failed, so nothing was published twice: exactly 1..1000, in order.
        Assert.Equal(Enumerable.Range(1, 1000), received.Select(m => NumberOf(m.Body)));
    }

    [SkippableFact]
    public async Task Routing_keys_are_made_from_the_template_through_a_topic_exchange()
    {
        RequireBroker();
        var exchange = await Broker.DeclareExchangeAsync("topics", "topic");
        var orders = await Broker.DeclareQueueAsync("orders");
        var other = await Broker.DeclareQueueAsync("other");
        await Broker.BindAsync(orders, exchange, "default.orders.*");
        await Broker.BindAsync(other, exchange, "default.#");
        await SubscribeAsync($$"""{"exchange":"{{exchange}}","routingKey":"{namespace}.{topic}.{type}"}""", readAhead: 5);
        await Engine.AppendAsync(Ns, [NewEvent(1, topic: "orders"), NewEvent(2, topic: "invoices"), NewEvent(3, type: "order_paid", topic: "orders")]);

        await AwaitOffsetAsync(3);
        Assert.Equal([1, 3], (await Broker.DrainAsync(orders)).Select(m => NumberOf(m.Body)));
        var all = await Broker.DrainAsync(other);
        Assert.Equal([1, 2, 3], all.Select(m => NumberOf(m.Body)));
        Assert.Equal(["default.orders.order_created", "default.invoices.order_created", "default.orders.order_paid"], all.Select(m => m.RoutingKey));
    }
}
